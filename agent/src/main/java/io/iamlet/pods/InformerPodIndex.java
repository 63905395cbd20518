package io.iamlet.pods;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods of this node by IP, kept by a fabric8 shared informer scoped to the node.
 *
 * <p>Wiring only: {@link IpClaims} holds the invariants (which pod wins an IP), {@link PodEvents} applies informer
 * events to it, {@link Waiters} parks lookups of IPs not known yet. Watch reconnects and relists are fabric8's job;
 * {@link #connected()} and {@link #synced()} report how it is going, for readiness and metrics.
 *
 * <p>Lifecycle: construct, {@link #addListener add listeners}, {@link #start()}, then {@link #stop()} (or close)
 * once. Lookups work at any time; before the first sync they wait their bound like any unknown IP.
 */
public final class InformerPodIndex implements PodIndex, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InformerPodIndex.class);

    /** Re-delivers the informer's cache to the handler now and then; idempotent, it only heals. */
    static final Duration RESYNC = Duration.ofMinutes(15);

    private final KubernetesClient client;
    private final PodSelector selector;
    private final Duration unknownIpWait;
    private final IpClaims claims = new IpClaims();
    private final Waiters waiters;
    private final PodEvents events;
    private final Counter hits;
    private final Counter waited;
    private final Counter unknown;
    private volatile SharedIndexInformer<Pod> informer;
    private volatile boolean stopped;

    /**
     * @param client         the API client; the index does not close it
     * @param selector       this node; {@link PodSelector#node(String)} in production
     * @param unknownIpWait  how long {@link #await} waits for an unknown IP ({@code --unknown-ip-wait}, default 2 s);
     *                       zero fails at once
     * @param scheduler      fires the wait deadlines, e.g. {@link Scheduler#systemScheduler()}
     * @param registry       where the index's meters go
     */
    public InformerPodIndex(KubernetesClient client, PodSelector selector, Duration unknownIpWait,
            Scheduler scheduler, MeterRegistry registry) {
        this.client = Objects.requireNonNull(client, "client");
        this.selector = Objects.requireNonNull(selector, "selector");
        if (unknownIpWait.isNegative()) {
            throw new IllegalArgumentException("--unknown-ip-wait must not be negative, was " + unknownIpWait);
        }
        this.unknownIpWait = unknownIpWait;
        this.waiters = new Waiters(Objects.requireNonNull(scheduler, "scheduler"));
        this.events = new PodEvents(new PodReader(selector.nodeName()), claims, waiters);

        Gauge.builder("iamlet.pods.indexed", claims, IpClaims::size).strongReference(true)
                .description("Pods of this node indexed by IP").register(registry);
        Gauge.builder("iamlet.informer.synced", this, i -> i.synced() ? 1 : 0).strongReference(true)
                .description("1 once the pod informer has listed this node's pods").register(registry);
        Gauge.builder("iamlet.informer.connected", this, i -> i.connected() ? 1 : 0).strongReference(true)
                .description("1 while the pod informer's watch is open").register(registry);
        Gauge.builder("iamlet.pod.lookup.waiting", waiters, Waiters::pending).strongReference(true)
                .description("Lookups waiting for an unknown IP to be indexed").register(registry);
        this.hits = lookups(registry, "hit");
        this.waited = lookups(registry, "waited");
        this.unknown = lookups(registry, "unknown");
    }

    private static Counter lookups(MeterRegistry registry, String outcome) {
        return Counter.builder("iamlet.pod.lookups").tag("outcome", outcome)
                .description("Pod lookups by source IP: found at once, found after waiting, not found in time")
                .register(registry);
    }

    /**
     * Starts the informer. The future completes once this node's pods have been listed and indexed, or fails if
     * the informer cannot start (e.g. the service account may not list pods). Call once.
     */
    public synchronized CompletableFuture<Void> start() {
        if (informer != null || stopped) {
            throw new IllegalStateException("the pod index can be started once");
        }
        FilterWatchListDeletable<Pod, PodList, PodResource> pods = client.pods().inAnyNamespace();
        if (selector.serverSide()) {
            pods = pods.withField("spec.nodeName", selector.nodeName());
        }
        // The informer keeps only what PodReader reads of each pod, and no namespace index (nothing asks it).
        SharedIndexInformer<Pod> started = pods.runnableInformer(RESYNC.toMillis())
                .itemStore(new TrimmedPodStore()).removeNamespaceIndex();
        started.addEventHandler(events);
        informer = started;
        log.atInfo().setMessage("starting pod informer").addKeyValue("node", selector.nodeName())
                .addKeyValue("fieldSelector", selector.serverSide()).log();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        events.firstSync().thenRun(() -> ready.complete(null));
        started.start().whenComplete((ignored, failure) -> {
            if (failure != null) {
                log.error("pod informer failed to start", failure);
                ready.completeExceptionally(failure);
            }
        });
        return ready;
    }

    /** Stops the informer and fails the lookups still waiting. Idempotent. */
    public synchronized void stop() {
        stopped = true;
        if (informer != null) {
            informer.stop();
        }
        waiters.failAll(() -> new Failure.NotYetKnown("shutting_down", "iamlet is shutting down"));
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public Optional<PodInfo> at(String ip) {
        return normalised(ip).flatMap(claims::at);
    }

    @Override
    public CompletableFuture<PodInfo> await(String ip) {
        Optional<String> key = normalised(ip);
        if (key.isEmpty()) {
            unknown.increment();
            return CompletableFuture.failedFuture(new Failure.NotYetKnown("pod_unknown", "no pod has this IP"));
        }
        Optional<PodInfo> known = claims.at(key.get());
        if (known.isPresent()) {
            hits.increment();
            return CompletableFuture.completedFuture(known.get());
        }
        if (stopped || unknownIpWait.isZero()) {
            unknown.increment();
            return CompletableFuture.failedFuture(notYetKnown(key.get()));
        }
        CompletableFuture<PodInfo> waiter = waiters.register(key.get(), unknownIpWait, () -> notYetKnown(key.get()));
        // The pod may have been indexed between the first look and the registration: look again.
        claims.at(key.get()).ifPresent(waiter::complete);
        waiter.whenComplete((pod, failure) -> {
            if (pod != null) {
                waited.increment();
            } else if (failure instanceof Failure.NotYetKnown) {
                unknown.increment();
            }
        });
        return waiter;
    }

    private Failure notYetKnown(String ip) {
        return new Failure.NotYetKnown("pod_unknown",
                "no pod with IP " + ip + " is known on this node yet, retry shortly");
    }

    @Override
    public Collection<PodInfo> pods() {
        return claims.pods();
    }

    @Override
    public boolean synced() {
        return events.synced();
    }

    /** True while the informer's watch on the API server is open (false during reconnects). */
    public boolean connected() {
        SharedIndexInformer<Pod> current = informer;
        return current != null && !stopped && current.isWatching();
    }

    /**
     * {@code added} fires once when a pod becomes indexable (on this node, not host-network, not finished, with an
     * IP), {@code removed} once when it stops being (deleted, finished); changes in between are not reported.
     * Listeners added before {@link #start()} see every pod; later ones only later changes.
     */
    @Override
    public void addListener(PodListener listener) {
        events.addListener(listener);
    }

    int waiting() {
        return waiters.pending();
    }

    /** What the informer keeps of each pod (see {@link TrimmedPodStore}), for tests. */
    List<Pod> stored() {
        SharedIndexInformer<Pod> current = informer;
        return current == null ? List.of() : current.getStore().list();
    }

    /** The informer's handler, for tests that feed events without an API server. */
    ResourceEventHandler<Pod> handler() {
        return events;
    }

    private static Optional<String> normalised(String ip) {
        if (ip == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PodIndex.normalise(ip));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
