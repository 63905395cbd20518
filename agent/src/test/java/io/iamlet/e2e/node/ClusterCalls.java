package io.iamlet.e2e.node;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;

/**
 * What the API server does around the admission webhook, played inside the node namespace (where the stand-ins' API
 * server and the webhook listen), with the stand-ins' kubeconfig ({@code KUBECONFIG}):
 *
 * <ul>
 *   <li>{@code configure}: creates the MutatingWebhookConfiguration the webhook keeps the caBundle of, as
 *       {@code kubectl apply -k daemonset/webhook} would (the webhook refuses to start without it);</li>
 *   <li>{@code mutate <namespace> <serviceAccount> <out>}: what the API server does on a pod's CREATE: reads the
 *       caBundle the webhook published, sends the webhook an AdmissionReview v1 over HTTPS (trusting only that CA),
 *       applies the JSON Patch it answers to the pod with zjsonpatch and writes the resulting pod to {@code out}. If
 *       the webhook cannot be reached, writes the pod unchanged and prints {@code unreachable}: failure policy
 *       Ignore;</li>
 *   <li>{@code events <namespace>}: prints the namespace's Events, as JSON.</li>
 * </ul>
 */
public final class ClusterCalls {

    static final String CONFIGURATION = "iamlet-webhook";
    static final String WEBHOOK = "https://" + SimulatedNode.HOST_IP + ":8443/mutate";
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    /** The agent's test classpath has no admissionregistration model: the resource is named, not typed. */
    private static final ResourceDefinitionContext WEBHOOK_CONFIGURATIONS = new ResourceDefinitionContext.Builder()
            .withGroup("admissionregistration.k8s.io").withVersion("v1").withKind("MutatingWebhookConfiguration")
            .withPlural("mutatingwebhookconfigurations").withNamespaced(false).build();

    private ClusterCalls() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true"); // see mutate()
        try (KubernetesClient kubernetes = new KubernetesClientBuilder().build()) {
            switch (args[0]) {
                case "configure" -> configure(kubernetes);
                case "mutate" -> mutate(kubernetes, args[1], args[2], Path.of(args[3]));
                case "events" -> System.out.println(JSON.asJson(
                        kubernetes.v1().events().inNamespace(args[1]).list().getItems()));
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
        System.exit(0);
    }

    private static void configure(KubernetesClient kubernetes) {
        var configuration = JSON.unmarshal(JSON.asJson(Map.of(
                "apiVersion", "admissionregistration.k8s.io/v1",
                "kind", "MutatingWebhookConfiguration",
                "metadata", Map.of("name", CONFIGURATION),
                "webhooks", List.of(Map.of(
                        "name", "pods.iamlet.io",
                        "admissionReviewVersions", List.of("v1"),
                        "sideEffects", "None",
                        "failurePolicy", "Ignore",
                        "clientConfig", Map.of("service", Map.of("name", "iamlet-webhook",
                                "namespace", "iamlet-system", "path", "/mutate", "port", 443)),
                        "rules", List.of(Map.of("apiGroups", List.of(""), "apiVersions", List.of("v1"),
                                "operations", List.of("CREATE"), "resources", List.of("pods"))))))),
                GenericKubernetesResource.class);
        kubernetes.genericKubernetesResources(WEBHOOK_CONFIGURATIONS).resource(configuration).create();
        System.out.println("configured");
    }

    /** A pod as a Deployment's ReplicaSet creates it: one container, no AWS settings. */
    static Pod template(String namespace, String serviceAccount) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withGenerateName(serviceAccount + "-")
                .endMetadata().withNewSpec().withServiceAccountName(serviceAccount)
                .addNewContainer().withName("app").withImage("registry.example/app:1")
                .addNewEnv().withName("AWS_REGION").withValue("us-east-1").endEnv().endContainer()
                .endSpec().build();
    }

    private static void mutate(KubernetesClient kubernetes, String namespace, String serviceAccount, Path out)
            throws Exception {
        Pod pod = template(namespace, serviceAccount);
        String uid = UUID.randomUUID().toString();
        String review = JSON.asJson(Map.of("apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview",
                "request", Map.of("uid", uid,
                        "kind", Map.of("group", "", "version", "v1", "kind", "Pod"),
                        "resource", Map.of("group", "", "version", "v1", "resource", "pods"),
                        "namespace", namespace, "operation", "CREATE",
                        "userInfo", Map.of("username", "system:serviceaccount:kube-system:replicaset-controller"),
                        "object", pod)));
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().sslContext(trusting(caBundle(kubernetes)))
                .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build()) {
            response = http.send(HttpRequest.newBuilder(URI.create(WEBHOOK)).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(review))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            Files.writeString(out, JSON.asJson(pod));
            System.out.println("unreachable: " + e);
            return;
        }
        // The API server calls the Service by name and checks that name; here the webhook is reached by the node's
        // address (no cluster DNS), so the name check is made on the certificate it served (trust in the published CA
        // is checked by the TLS handshake itself).
        var served = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        String service = "iamlet-webhook.iamlet-system.svc";
        if (served.getSubjectAlternativeNames().stream().noneMatch(san -> service.equals(san.get(1)))) {
            throw new IllegalStateException("the webhook's certificate does not name " + service);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("webhook answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode answer = JSON.unmarshal(response.body(), JsonNode.class).path("response");
        if (!uid.equals(answer.path("uid").asString()) || !answer.path("allowed").asBoolean(false)) {
            throw new IllegalStateException("unexpected answer: " + response.body());
        }
        JsonNode patched = JSON.convertValue(pod, JsonNode.class);
        if (!answer.path("patch").isMissingNode() && !answer.path("patch").isNull()) {
            JsonNode patch = JSON.unmarshal(new String(Base64.getDecoder().decode(answer.path("patch").asString()),
                    StandardCharsets.UTF_8), JsonNode.class);
            patched = JsonPatch.apply(patch, patched);
        }
        Files.writeString(out, JSON.asJson(patched));
        System.out.println("mutated");
    }

    /** The caBundle the webhook wrote into its configuration; waits for it (the webhook publishes it at start). */
    private static byte[] caBundle(KubernetesClient kubernetes) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            var configuration = kubernetes.genericKubernetesResources(WEBHOOK_CONFIGURATIONS).withName(CONFIGURATION)
                    .get();
            Object webhooks = configuration.getAdditionalProperties().get("webhooks");
            JsonNode first = JSON.convertValue(webhooks, JsonNode.class).path(0);
            String bundle = first.path("clientConfig").path("caBundle").asString("");
            if (!bundle.isEmpty()) {
                return Base64.getDecoder().decode(bundle);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the webhook did not publish its caBundle");
    }

    private static SSLContext trusting(byte[] pem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (var certificate : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem))) {
            trust.setCertificateEntry("ca" + i++, (X509Certificate) certificate);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
