package io.iamlet.webhook.status;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer among the webhook's replicas: fabric8's {@code LeaderElector} over a {@code coordination.k8s.io} Lease
 * in the webhook's namespace. The holder runs {@code onStart}; losing the lease (or closing) runs {@code onStop}.
 * fabric8's elector ends once leadership is lost, so this one starts it again and keeps competing until closed.
 * Closing releases the lease, so that the other replica takes over at its next retry instead of after the lease
 * expires.
 */
public final class StatusLeadership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusLeadership.class);

    /** Lease timing: how long a silent holder keeps it, how long it tries to renew, how often others try. */
    public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        /** client-go's defaults. */
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2));

        public Timing {
            if (!(retryPeriod.isPositive() && retryPeriod.compareTo(renewDeadline) < 0
                    && renewDeadline.compareTo(leaseDuration) < 0)) {
                throw new IllegalArgumentException("lease timing must satisfy 0 < retry < renew deadline < duration");
            }
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String lease;
    private final String identity;
    private final Timing timing;
    private final Runnable onStart;
    private final Runnable onStop;
    private CompletableFuture<?> running;
    private boolean closed;

    private StatusLeadership(KubernetesClient client, String namespace, String lease, String identity, Timing timing,
                             Runnable onStart, Runnable onStop) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.lease = Objects.requireNonNull(lease, "lease");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.timing = Objects.requireNonNull(timing, "timing");
        this.onStart = Objects.requireNonNull(onStart, "onStart");
        this.onStop = Objects.requireNonNull(onStop, "onStop");
    }

    /** Starts competing for {@code namespace/lease} as {@code identity} (unique per replica: the pod name). */
    public static StatusLeadership start(KubernetesClient client, String namespace, String lease, String identity,
                                         Timing timing, Runnable onStart, Runnable onStop) {
        var leadership = new StatusLeadership(client, namespace, lease, identity, timing, onStart, onStop);
        leadership.compete();
        return leadership;
    }

    private synchronized void compete() {
        if (closed) {
            return;
        }
        var config = new LeaderElectionConfigBuilder()
                .withName("iamlet-webhook-status")
                .withLock(new LeaseLock(namespace, lease, identity))
                .withLeaseDuration(timing.leaseDuration())
                .withRenewDeadline(timing.renewDeadline())
                .withRetryPeriod(timing.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(onStart, onStop,
                        leader -> LOG.debug("association status writer is now {}", leader)))
                .build();
        running = client.leaderElector().withConfig(config).build().start();
        running.whenComplete((ignored, failure) -> {
            if (failure != null && !closedNow()) {
                LOG.warn("leader election for association status ended ({}); competing again",
                        failure.getClass().getSimpleName());
            }
            // after a failure (RBAC, API outage) wait a lease duration rather than a retry period: no log storm
            Duration pause = failure != null ? timing.leaseDuration() : timing.retryPeriod();
            CompletableFuture.delayedExecutor(pause.toMillis(), TimeUnit.MILLISECONDS).execute(this::compete);
        });
    }

    private synchronized boolean closedNow() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (running != null) {
            running.cancel(true);
        }
    }
}
