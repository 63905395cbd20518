package io.iamlet.webhook;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an AdmissionReview v1 request body into the answer the API server gets.
 *
 * <p>Errors are HTTP errors, not {@code allowed} answers, on purpose. A body that is not an AdmissionReview v1 with
 * a uid cannot be answered with one (the API server checks that the response's uid is the request's), and a role
 * lookup that failed is not a decision this webhook may take for the operator: in both cases a non-200 status makes
 * the API server apply the webhook configuration's failure policy. With {@code Ignore} (the default) the pod is
 * admitted unmutated, and the API server records the failure (its log, metric
 * {@code apiserver_admission_webhook_rejection_count} and audit annotation); with {@code Fail} it is refused, which
 * is what an operator who chose {@code Fail} asked for. Answering {@code allowed: true} instead would silently turn
 * {@code Fail} into {@code Ignore}. Error bodies name the problem only: never the request, which holds the pod.
 */
final class AdmissionReviews {

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionReviews.class);
    private static final String API_VERSION = "admission.k8s.io/v1";

    /** An HTTP answer: status, content type and body. */
    record Reply(int status, String contentType, byte[] body) {
        static Reply error(int status, String message) {
            return new Reply(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private final KubernetesSerialization serialization;
    private final RoleLookup roles;
    private final PodMutator mutator;

    AdmissionReviews(KubernetesSerialization serialization, RoleLookup roles, Injection injection) {
        this.serialization = serialization;
        this.roles = roles;
        this.mutator = new PodMutator(injection);
    }

    Reply review(byte[] body) {
        AdmissionRequest request;
        try {
            request = parse(body);
        } catch (RuntimeException e) {
            LOG.warn("refused an admission request that is not an AdmissionReview {}: {}", API_VERSION,
                    e.getClass().getSimpleName());
            return Reply.error(400, "expected an AdmissionReview " + API_VERSION + " with a request and its uid");
        }
        List<PodMutator.PatchOperation> patch;
        try {
            patch = patchFor(request);
        } catch (RuntimeException e) {
            LOG.warn("could not decide on pod {}/{} (service account {}): {}", request.getNamespace(),
                    podName(request), serviceAccount(request), String.valueOf(e.getMessage()));
            return Reply.error(500, "could not look up the pod's role; the failure policy applies");
        }
        AdmissionResponse response = new AdmissionResponse();
        response.setUid(request.getUid());
        response.setAllowed(true);
        if (!patch.isEmpty()) {
            response.setPatchType("JSONPatch");
            response.setPatch(Base64.getEncoder().encodeToString(
                    serialization.asJson(patch).getBytes(StandardCharsets.UTF_8)));
            LOG.info("injected pod {}/{} (service account {}): {} additions", request.getNamespace(),
                    podName(request), serviceAccount(request), patch.size());
        }
        AdmissionReview review = new AdmissionReview();
        review.setApiVersion(API_VERSION);
        review.setKind("AdmissionReview");
        review.setResponse(response);
        return new Reply(200, "application/json", serialization.asJson(review).getBytes(StandardCharsets.UTF_8));
    }

    private AdmissionRequest parse(byte[] body) {
        AdmissionReview review = serialization.unmarshal(new String(body, StandardCharsets.UTF_8),
                AdmissionReview.class);
        if (review == null || !API_VERSION.equals(review.getApiVersion()) || review.getRequest() == null) {
            throw new IllegalArgumentException("not an AdmissionReview " + API_VERSION);
        }
        AdmissionRequest request = review.getRequest();
        if (request.getUid() == null || request.getUid().isBlank()) {
            throw new IllegalArgumentException("request without uid");
        }
        return request;
    }

    /** Nothing for anything but a pod's CREATE (the webhook configuration asks for nothing else). */
    private List<PodMutator.PatchOperation> patchFor(AdmissionRequest request) {
        if (!"CREATE".equals(request.getOperation()) || request.getKind() == null
                || !"Pod".equals(request.getKind().getKind()) || !"".equals(nullToEmpty(request.getKind().getGroup()))
                || request.getObject() == null || request.getSubResource() != null) {
            return List.of();
        }
        Pod pod = pod(request);
        if (!roles.hasRole(request.getNamespace(), serviceAccount(pod))) {
            return List.of();
        }
        return mutator.patch(pod);
    }

    private Pod pod(AdmissionRequest request) {
        return request.getObject() instanceof Pod pod ? pod : serialization.convertValue(request.getObject(), Pod.class);
    }

    /** The ServiceAccount admission plugin sets it before mutating webhooks run; "default" is its default. */
    private static String serviceAccount(Pod pod) {
        String name = pod.getSpec() == null ? null : pod.getSpec().getServiceAccountName();
        return name == null || name.isBlank() ? "default" : name;
    }

    private String serviceAccount(AdmissionRequest request) {
        try {
            return serviceAccount(pod(request));
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /** Pods of a controller have only generateName at admission. */
    private String podName(AdmissionRequest request) {
        if (request.getName() != null && !request.getName().isBlank()) {
            return request.getName();
        }
        try {
            var meta = pod(request).getMetadata();
            return meta == null ? "?" : meta.getName() != null ? meta.getName() : meta.getGenerateName() + "*";
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
