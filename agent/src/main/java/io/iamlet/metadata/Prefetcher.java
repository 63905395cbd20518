package io.iamlet.metadata;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.iamlet.audit.AuditEvent;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.credentials.Identity;
import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a pod's credentials as soon as it appears on the node, so that its SDK's first request is a cache hit.
 * The decision is the request path's own ({@link RoleDecider}): a pod that would be refused is not prefetched, and
 * the identity is built the same way, so the prefetched entry is the one the request finds. Nothing here is
 * audited or reported on the pod: no credentials leave iamlet until the pod asks.
 *
 * <p>Prefetches start at most one per {@link #SPACING}: at informer sync every pod of the node is added at once,
 * and they must not all call STS in the same second (nor, their credentials installed together, renew together).
 * A pod added while none is pending starts at once; a pod that asks before its turn loads on its own request, and
 * its prefetch then finds the entry and does nothing.
 */
final class Prefetcher implements PodIndex.PodListener {

    /** At most ten prefetches a second: a full node (110 pods) in 11 s. */
    static final Duration SPACING = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(Prefetcher.class);

    private final RoleDecider decider;
    private final CredentialProvider credentials;
    private final MetadataMetrics metrics;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private long nextSlotNanos;

    Prefetcher(RoleDecider decider, CredentialProvider credentials, MetadataMetrics metrics) {
        this(decider, credentials, metrics, Ticker.systemTicker(), Scheduler.systemScheduler());
    }

    /** With time injected: {@code scheduler} starts the prefetches that wait for their turn. */
    Prefetcher(RoleDecider decider, CredentialProvider credentials, MetadataMetrics metrics, Ticker ticker,
               Scheduler scheduler) {
        this.decider = decider;
        this.credentials = credentials;
        this.metrics = metrics;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.nextSlotNanos = ticker.read();
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
                    long wait = turn();
                    if (wait <= 0) {
                        prefetch(pod, decision.identity());
                    } else {
                        scheduler.schedule(Runnable::run, () -> prefetch(pod, decision.identity()), wait,
                                TimeUnit.NANOSECONDS);
                    }
                });
    }

    @Override
    public void removed(PodInfo pod) {
        // The cache forgets unused identities on its own schedule.
    }

    /** Nanoseconds until this prefetch's turn, one {@link #SPACING} after the one before. */
    private synchronized long turn() {
        long now = ticker.read();
        long slot = Math.max(now, nextSlotNanos);
        nextSlotNanos = slot + SPACING.toNanos();
        return slot - now;
    }

    private void prefetch(PodInfo pod, Identity identity) {
        try {
            credentials.prefetch(identity);
            metrics.prefetch("started");
        } catch (RuntimeException e) {
            metrics.prefetch("failed");
            LOG.atWarn().setMessage("prefetch failed").addKeyValue("pod", pod.ref())
                    .addKeyValue("error", e.getClass().getSimpleName()).log();
        }
    }
}
