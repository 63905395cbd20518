package io.iamlet.metadata;

import io.iamlet.audit.AuditEvent;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a pod's credentials as soon as it appears on the node, so that its SDK's first request is a cache hit.
 * The decision is the request path's own ({@link RoleDecider}): a pod that would be refused is not prefetched, and
 * the identity is built the same way, so the prefetched entry is the one the request finds. Nothing here is
 * audited or reported on the pod: no credentials leave iamlet until the pod asks.
 */
final class Prefetcher implements PodIndex.PodListener {

    private static final Logger LOG = LoggerFactory.getLogger(Prefetcher.class);

    private final RoleDecider decider;
    private final CredentialProvider credentials;
    private final MetadataMetrics metrics;

    Prefetcher(RoleDecider decider, CredentialProvider credentials, MetadataMetrics metrics) {
        this.decider = decider;
        this.credentials = credentials;
        this.metrics = metrics;
    }

    @Override
    public void added(PodInfo pod) {
        String ip = pod.ips().isEmpty() ? null : pod.ips().getFirst();
        decider.decide(pod, new RoleDecider.Trail(AuditEvent.from(IamRoutes.ENDPOINT, ip)))
                .whenComplete((decision, error) -> {
                    if (error != null) {
                        String reason = Failure.find(error).map(Failure::reason).orElse("internal_error");
                        metrics.prefetch(Failure.find(error).filter(f -> f instanceof Failure.Denied).isPresent()
                                ? "denied" : "failed");
                        LOG.atDebug().setMessage("no prefetch").addKeyValue("pod", pod.ref())
                                .addKeyValue("reason", reason).log();
                        return;
                    }
                    if (decision.roleArn() == null) {
                        metrics.prefetch("no_role");
                        return;
                    }
                    try {
                        credentials.prefetch(decision.identity());
                        metrics.prefetch("started");
                    } catch (RuntimeException e) {
                        metrics.prefetch("failed");
                        LOG.atWarn().setMessage("prefetch failed").addKeyValue("pod", pod.ref())
                                .addKeyValue("error", e.getClass().getSimpleName()).log();
                    }
                });
    }

    @Override
    public void removed(PodInfo pod) {
        // The cache forgets unused identities on its own schedule.
    }
}
