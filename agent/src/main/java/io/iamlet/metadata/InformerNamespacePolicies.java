package io.iamlet.metadata;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Namespace policies kept by a fabric8 informer on namespaces. Namespaces are few, even in large clusters, so a
 * cluster-wide watch costs little (it needs {@code list} and {@code watch} on {@code namespaces}).
 *
 * <p>Policies are parsed when a namespace is added or changed, not per request, and annotation problems are logged
 * then, once. A lookup before the first list waits for it (bounded); a namespace the informer does not know answers
 * {@link Failure.NotYetKnown} (503): its event may still be on the way, and a transient answer is never a grant.
 */
public final class InformerNamespacePolicies implements NamespacePolicies, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InformerNamespacePolicies.class);
    private static final long RESYNC_MILLIS = Duration.ofMinutes(30).toMillis();
    /** Namespaces per list request, as client-go's reflector pages. */
    static final long LIST_PAGE = 500;

    private final KubernetesClient client;
    private final Duration syncWait;
    private final Map<String, NamespacePolicy> policies = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> synced = new CompletableFuture<>();
    private volatile SharedIndexInformer<Namespace> informer;

    /**
     * @param client    the API client; not closed here
     * @param syncWait  how long a lookup made before the first list waits for it (e.g. {@code --unknown-ip-wait})
     */
    public InformerNamespacePolicies(KubernetesClient client, Duration syncWait, MeterRegistry registry) {
        this.client = Objects.requireNonNull(client, "client");
        this.syncWait = Objects.requireNonNull(syncWait, "syncWait");
        Gauge.builder("iamlet.namespaces.synced", this, p -> p.synced() ? 1 : 0).strongReference(true)
                .description("1 once the namespace informer (metadata path policies) has listed namespaces")
                .register(registry);
    }

    /** Starts the informer; completes once namespaces are listed, or fails if it cannot start. Call once. */
    public synchronized CompletableFuture<Void> start() {
        if (informer != null) {
            throw new IllegalStateException("the namespace informer can be started once");
        }
        // Paged list (each page parsed and stored before the next is asked for), only the policy kept of each
        // namespace (PolicyNamespaceStore), no namespace index (namespaces have no namespace): the informer's memory
        // follows the policies, not the size of the cluster.
        SharedIndexInformer<Namespace> started = client.namespaces().withLimit(LIST_PAGE)
                .runnableInformer(RESYNC_MILLIS).itemStore(new PolicyNamespaceStore()).removeNamespaceIndex();
        started.addEventHandler(new Handler());
        informer = started;
        started.start().whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.error("namespace informer failed to start", failure);
                synced.completeExceptionally(failure);
            }
        });
        return synced.copy();
    }

    public boolean synced() {
        return synced.isDone() && !synced.isCompletedExceptionally();
    }

    @Override
    public CompletableFuture<NamespacePolicy> policyFor(String namespace) {
        if (synced()) {
            return lookup(namespace);
        }
        return synced.copy()
                .orTimeout(syncWait.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ignored, error) -> {
                    if (error != null) {
                        throw new Failure.NotYetKnown("namespaces_not_synced",
                                "iamlet has not read the namespaces' role policies yet, retry shortly");
                    }
                    return namespace;
                })
                .thenCompose(this::lookup);
    }

    private CompletableFuture<NamespacePolicy> lookup(String namespace) {
        NamespacePolicy policy = policies.get(namespace);
        if (policy == null) {
            return CompletableFuture.failedFuture(new Failure.NotYetKnown("namespace_unknown",
                    "namespace " + namespace + " is not known to iamlet yet, retry shortly"));
        }
        return CompletableFuture.completedFuture(policy);
    }

    /** What the informer keeps of each namespace (see {@link PolicyNamespaceStore}), for tests. */
    List<Namespace> stored() {
        SharedIndexInformer<Namespace> current = informer;
        return current == null ? List.of() : current.getStore().list();
    }

    /** True once the informer's watch is open (after the first list), for tests that stop it. */
    boolean watching() {
        SharedIndexInformer<Namespace> current = informer;
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

    private final class Handler implements ResourceEventHandler<Namespace> {
        @Override
        public void onAdd(Namespace ns) {
            update(ns);
        }

        @Override
        public void onUpdate(Namespace before, Namespace ns) {
            update(ns);
        }

        /** After each full list, once its events were handled: only then are the policies complete. */
        @Override
        public void onList(String resourceVersion, boolean remainedEmpty) {
            synced.complete(null);
        }

        @Override
        public void onDelete(Namespace ns, boolean finalStateUnknown) {
            if (ns.getMetadata() != null && ns.getMetadata().getName() != null) {
                policies.remove(ns.getMetadata().getName());
            }
        }

        private void update(Namespace ns) {
            if (ns.getMetadata() == null || ns.getMetadata().getName() == null) {
                return;
            }
            String name = ns.getMetadata().getName();
            NamespacePolicy policy = NamespacePolicy.fromAnnotations(ns.getMetadata().getAnnotations());
            NamespacePolicy previous = policies.put(name, policy);
            if (!policy.problems().isEmpty() && (previous == null || !previous.problems().equals(policy.problems()))) {
                LOG.atWarn().setMessage("namespace role policy has problems; the broken parts allow nothing")
                        .addKeyValue("namespace", name).addKeyValue("problems", policy.problems()).log();
            }
        }
    }
}
