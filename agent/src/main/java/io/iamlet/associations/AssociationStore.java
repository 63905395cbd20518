package io.iamlet.associations;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.iamlet.failure.Failure;
import io.iamlet.health.ReadinessCheck;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The associations of the cluster, kept by a fabric8 informer and matched from memory.
 *
 * <p>This is the agent's one justified cluster-wide watch: associations are few (one per team or workload, not per
 * pod), and every node needs all of them, since any pod may land on any node. It needs {@code get}, {@code list} and
 * {@code watch} on {@code podidentityassociations.iamlet.io}.
 *
 * <p>Creates, updates and deletes change the answer as soon as their event arrives; nothing is cached beyond the
 * informer's store ({@link AssociationItemStore}). Before the first list a lookup waits for it, bounded by
 * {@code syncWait}, then answers {@link Failure.NotYetKnown} (503, retryable): "not read yet" must never pass for
 * "no association", or the {@code both} role source would fall back to the annotation during start-up. If the
 * informer could not start (no CRD, no RBAC), lookups answer {@link Failure.Unavailable} (503) and readiness stays
 * false.
 */
public final class AssociationStore implements Associations, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AssociationStore.class);
    private static final long RESYNC_MILLIS = Duration.ofMinutes(30).toMillis();
    static final long LIST_PAGE = 500;

    private final KubernetesClient client;
    private final Duration syncWait;
    private final AssociationItemStore store = new AssociationItemStore();
    private final CompletableFuture<Void> synced = new CompletableFuture<>();
    private volatile SharedIndexInformer<PodIdentityAssociation> informer;

    /**
     * @param client   the API client; not closed here
     * @param syncWait how long a lookup made before the first list waits for it (e.g. {@code --unknown-ip-wait})
     */
    public AssociationStore(KubernetesClient client, Duration syncWait, MeterRegistry registry) {
        this.client = Objects.requireNonNull(client, "client");
        this.syncWait = Objects.requireNonNull(syncWait, "syncWait");
        Gauge.builder("iamlet.associations.synced", this, s -> s.synced() ? 1 : 0).strongReference(true)
                .description("1 once the PodIdentityAssociation informer has listed the associations")
                .register(registry);
        Gauge.builder("iamlet.associations", store, s -> s.associations().filter(Association::valid).count()).strongReference(true)
                .description("PodIdentityAssociations known to the agent").tag("state", "valid")
                .register(registry);
        Gauge.builder("iamlet.associations", store, s -> s.associations().filter(a -> !a.valid()).count())
                .strongReference(true).description("PodIdentityAssociations known to the agent")
                .tag("state", "invalid").register(registry);
    }

    /** Starts the informer; completes once the associations are listed, or fails if it cannot start. Call once. */
    public synchronized CompletableFuture<Void> start() {
        if (informer != null) {
            throw new IllegalStateException("the association informer can be started once");
        }
        SharedIndexInformer<PodIdentityAssociation> started = client.resources(PodIdentityAssociation.class)
                .withLimit(LIST_PAGE).runnableInformer(RESYNC_MILLIS).itemStore(store).removeNamespaceIndex();
        started.addEventHandler(new Handler());
        informer = started;
        started.start().whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.error("PodIdentityAssociation informer failed to start (is the CRD installed, and may the agent"
                        + " list podidentityassociations.iamlet.io?)", failure);
                synced.completeExceptionally(failure);
            }
        });
        return synced.copy();
    }

    public boolean synced() {
        return synced.isDone() && !synced.isCompletedExceptionally();
    }

    /** Ready once the associations are listed: before that no association-based role can be answered. */
    public ReadinessCheck readiness() {
        return new ReadinessCheck() {
            @Override
            public boolean ready() {
                return synced();
            }

            @Override
            public String detail() {
                return synced() ? store.size() + " associations" : "associations not listed yet";
            }
        };
    }

    @Override
    public CompletableFuture<Match> match(String namespace, String serviceAccount) {
        if (synced()) {
            return CompletableFuture.completedFuture(store.index().match(namespace, serviceAccount));
        }
        return synced.copy()
                .orTimeout(syncWait.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ignored, error) -> {
                    if (error != null && synced.isCompletedExceptionally()) {
                        throw new Failure.Unavailable("associations_unavailable", "iamlet could not list the pod"
                                + " identity associations (is the podidentityassociations.iamlet.io CRD installed?)");
                    }
                    if (error != null) {
                        throw new Failure.NotYetKnown("associations_not_synced",
                                "iamlet has not read the pod identity associations yet, retry shortly");
                    }
                    return store.index().match(namespace, serviceAccount);
                });
    }

    /** The associations as judged, for tests and status. */
    List<Association> associations() {
        return store.associations().toList();
    }

    /** True while the informer has a watch open (after its first list); tests wait for it before stopping. */
    boolean watching() {
        SharedIndexInformer<PodIdentityAssociation> current = informer;
        return current != null && current.isWatching();
    }

    public synchronized void stop() {
        if (informer != null) {
            informer.stop();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private final class Handler implements ResourceEventHandler<PodIdentityAssociation> {
        @Override
        public void onAdd(PodIdentityAssociation object) {
            warnIfInvalid(null, object);
        }

        @Override
        public void onUpdate(PodIdentityAssociation before, PodIdentityAssociation object) {
            warnIfInvalid(before, object);
        }

        @Override
        public void onDelete(PodIdentityAssociation object, boolean finalStateUnknown) {
        }

        /** After each full list, once its events were handled: only then is the set complete. */
        @Override
        public void onList(String resourceVersion, boolean remainedEmpty) {
            synced.complete(null);
        }

        /** Once per change of problems, not on every resync. */
        private void warnIfInvalid(PodIdentityAssociation before, PodIdentityAssociation object) {
            Association now = Association.of(object);
            if (now.valid() || (before != null && Association.of(before).problems().equals(now.problems()))) {
                return;
            }
            LOG.atWarn().setMessage("PodIdentityAssociation is invalid; service accounts it matches are denied")
                    .addKeyValue("association", now.name()).addKeyValue("problems", now.problems()).log();
        }
    }
}
