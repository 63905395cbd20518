package io.iamlet.metadata;

import io.iamlet.audit.AuditEvent;
import io.iamlet.credentials.Identity;
import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import java.util.concurrent.CompletableFuture;

/**
 * From a source address to the role its pod may use: find the pod, read its role ({@link RoleChoice}), then apply
 * the namespace policy when restrictions are on. Shared by every {@code iam/} route and by prefetch, so they can
 * never disagree. The default role goes through exactly the same policy check as an annotated one.
 */
final class RoleDecider {

    /** The pod and its permitted role ARN; {@code roleArn} is null when the pod has no role. */
    record Decision(PodInfo pod, String roleArn) {
        /** The identity credentials are fetched for: the same for a request and a prefetch of the same pod. */
        Identity identity() {
            return new Identity(roleArn, pod.namespace(), pod.serviceAccount(), pod.name(), pod.uid(), null);
        }
    }

    /**
     * What is known of a request as it goes, for its audit event (which the audit log's listeners also turn into the
     * pod's Kubernetes event).
     */
    static final class Trail {
        volatile AuditEvent event;

        Trail(AuditEvent event) {
            this.event = event;
        }
    }

    private final PodIndex pods;
    private final RoleChoice roles;
    private final NamespacePolicies namespaces;
    private final MetadataSettings settings;

    RoleDecider(PodIndex pods, RoleChoice roles, NamespacePolicies namespaces, MetadataSettings settings) {
        this.pods = pods;
        this.roles = roles;
        this.namespaces = namespaces;
        this.settings = settings;
    }

    CompletableFuture<Decision> decide(String sourceIp, Trail trail) {
        CompletableFuture<PodInfo> pod = pods.await(sourceIp);
        PodInfo known = now(pod);
        return known != null ? decide(known, trail) : pod.thenCompose(p -> decide(p, trail));
    }

    /** The value of a future that has completed normally, else null (not yet done, failed, or a null value). */
    static <T> T now(CompletableFuture<T> future) {
        return future.isDone() && !future.isCompletedExceptionally() ? future.getNow(null) : null;
    }

    CompletableFuture<Decision> decide(PodInfo pod, Trail trail) {
        trail.event = trail.event.pod(pod.namespace(), pod.name(), pod.serviceAccount());
        String arn;
        try {
            arn = roles.roleFor(pod).orElse(null);
        } catch (Failure f) {
            return CompletableFuture.failedFuture(f);
        }
        if (arn == null) {
            return CompletableFuture.completedFuture(new Decision(pod, null));
        }
        trail.event = trail.event.role(arn);
        if (!settings.namespaceRestrictions()) {
            return CompletableFuture.completedFuture(new Decision(pod, arn));
        }
        CompletableFuture<NamespacePolicy> policy = namespaces.policyFor(pod.namespace());
        NamespacePolicy known = now(policy);
        if (known == null) {
            return policy.thenApply(p -> checked(p, pod, arn));
        }
        try {
            return CompletableFuture.completedFuture(checked(known, pod, arn));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Decision checked(NamespacePolicy policy, PodInfo pod, String arn) {
        policy.check(arn, roles.baseRoleArn(), pod.namespace()).ifPresent(refusal -> {
            throw new Failure.Denied(refusal.reason(), refusal.message());
        });
        return new Decision(pod, arn);
    }
}
