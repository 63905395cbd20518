package io.iamlet.pods;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
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
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods of this node by IP and uid, kept by a fabric8 shared informer scoped to the node.
 *
 * <p>Wiring only: {@link IpClaims} holds the invariants (which pod owns an IP, which uids are gone), {@link PodEvents}
 * applies informer events to it, two {@link Waiters} park lookups of IPs and of pod uids not known yet, each for at
 * most {@code --unknown-ip-wait}. Watch reconnects and relists are fabric8's job;
 * {@link #connected()} and {@link #synced()} report how it is going, for readiness and metrics.
 *
 * <p>Lifecycle: construct, {@link #addListener add listeners}, {@link #start()}, then {@link #stop()} (or close)
 * once. Lookups work at any time; before the first sync they wait their bound like any unknown IP.
 */
public final class InformerPodIndex implements PodIndex, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InformerPodIndex.class);

    /** Re-delivers the informer's cache to the handler now and then; idempotent, it only heals. */
    static final Duration RESYNC = Duration.ofMinutes(15);

    /** How long a deleted or finished pod is remembered, so that its token is refused rather than waited for. */
    public static final Duration GONE_MEMORY = IpClaims.GONE_MEMORY;

    private final KubernetesClient client;
    private final PodSelector selector;
    private final Duration unknownIpWait;
    private final IpClaims claims;
    private final Waiters ipWaiters;
    private final Waiters uidWaiters;
    private final PodEvents events;
    private final Counter hits;
    private final Counter waited;
    private final Counter unknown;
    private final Counter ambiguous;
    private volatile SharedIndexInformer<PodView> informer;
    private volatile boolean stopped;

    /**
     * @param client         the API client; the index does not close it
     * @param selector       this node; {@link PodSelector#node(String)} in production
     * @param unknownIpWait  how long {@link #await} waits for an unknown or contested IP, and {@link #awaitPod} for
     *                       an unknown pod uid ({@code --unknown-ip-wait}, default 1 s); zero fails at once
     * @param scheduler      fires the wait deadlines, e.g. {@link Scheduler#systemScheduler()}
     * @param registry       where the index's meters go
     */
    public InformerPodIndex(KubernetesClient client, PodSelector selector, Duration unknownIpWait,
            Scheduler scheduler, MeterRegistry registry) {
        this(client, selector, unknownIpWait, scheduler, Ticker.systemTicker(), registry);
    }

    /** As above, with the time source of the memory of deleted pods ({@link #GONE_MEMORY}). */
    public InformerPodIndex(KubernetesClient client, PodSelector selector, Duration unknownIpWait,
            Scheduler scheduler, Ticker ticker, MeterRegistry registry) {
        this.client = Objects.requireNonNull(client, "client");
        this.selector = Objects.requireNonNull(selector, "selector");
        if (unknownIpWait.isNegative()) {
            throw new IllegalArgumentException("--unknown-ip-wait must not be negative, was " + unknownIpWait);
        }
        this.unknownIpWait = unknownIpWait;
        this.claims = new IpClaims(Objects.requireNonNull(ticker, "ticker"));
        this.ipWaiters = new Waiters(Objects.requireNonNull(scheduler, "scheduler"));
        this.uidWaiters = new Waiters(scheduler);
        this.events = new PodEvents(new PodReader(selector.nodeName()), claims, ipWaiters, uidWaiters);

        Gauge.builder("iamlet.pods.indexed", claims, IpClaims::size).strongReference(true)
                .description("Pods of this node indexed by IP").register(registry);
        Gauge.builder("iamlet.informer.synced", this, i -> i.synced() ? 1 : 0).strongReference(true)
                .description("1 once the pod informer has listed this node's pods").register(registry);
        Gauge.builder("iamlet.informer.connected", this, i -> i.connected() ? 1 : 0).strongReference(true)
                .description("1 while the pod informer's watch is open").register(registry);
        Gauge.builder("iamlet.pod.lookup.waiting", this, InformerPodIndex::waiting).strongReference(true)
                .description("Lookups waiting for an unknown IP or pod uid to be indexed, or a contested IP to be left "
                        + "to one pod").register(registry);
        this.hits = lookups(registry, "hit");
        this.waited = lookups(registry, "waited");
        this.unknown = lookups(registry, "unknown");
        this.ambiguous = lookups(registry, "ambiguous");
    }

    private static Counter lookups(MeterRegistry registry, String outcome) {
        return Counter.builder("iamlet.pod.lookups").tag("outcome", outcome)
                .description("Pod lookups by source IP or token: found at once, found after waiting, not found in "
                        + "time, IP still claimed by two live pods")
                .register(registry);
    }

    /**
     * Starts the informer. The future completes once this node's pods have been listed and indexed, or fails if
     * the informer cannot start (e.g. the service account may not list pods). Call once.
     *
     * <p>Listeners hear of the listed pods once the list is indexed, after lookups can find them: the work they start
     * per pod does not compete with the list itself.
     */
    public CompletableFuture<Void> start() {
        return start(CompletableFuture.completedFuture(null));
    }

    /**
     * As {@link #start()}, with the listeners held until {@code listenersAfter} has completed too (either way), e.g.
     * until what they decide with is loaded. Lookups are never held.
     */
    public synchronized CompletableFuture<Void> start(CompletionStage<?> listenersAfter) {
        if (informer != null || stopped) {
            throw new IllegalStateException("the pod index can be started once");
        }
        // As PodView, not fabric8's Pod (see PodView for why). Lists are read as the operation's type, but a watch
        // event's object is read by its kind: registered, a v1 Pod is bound to PodView there too, instead of being
        // read as a full Pod and converted.
        client.getKubernetesSerialization().registerKubernetesResource(PodView.class);
        FilterWatchListDeletable<PodView, KubernetesResourceList<PodView>, Resource<PodView>> pods =
                client.resources(PodView.class).inAnyNamespace();
        if (selector.serverSide()) {
            pods = pods.withField("spec.nodeName", selector.nodeName());
        }
        // The informer keeps only what PodReader reads of each pod, and no namespace index (nothing asks it).
        SharedIndexInformer<PodView> started = pods.runnableInformer(RESYNC.toMillis())
                .itemStore(new TrimmedPodStore()).removeNamespaceIndex();
        started.addEventHandler(events);
        informer = started;
        log.atInfo().setMessage("starting pod informer").addKeyValue("node", selector.nodeName())
                .addKeyValue("fieldSelector", selector.serverSide()).log();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        events.firstSync().thenRun(() -> ready.complete(null));
        // the listeners' queue goes out on the thread that completes the last of the two, once synced() is true
        events.holdListenersUntil(CompletableFuture.allOf(ready,
                listenersAfter.toCompletableFuture().handle((ok, e) -> null)));
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
        ipWaiters.failAll(() -> new Failure.NotYetKnown("shutting_down", "iamlet is shutting down"));
        uidWaiters.failAll(() -> new Failure.NotYetKnown("shutting_down", "iamlet is shutting down"));
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
        String address = key.get();
        IpClaims.Owner known = claims.owner(address);
        if (known != null && !known.contested()) {
            hits.increment();
            return CompletableFuture.completedFuture(known.pod());
        }
        if (stopped || unknownIpWait.isZero()) {
            return counted(CompletableFuture.failedFuture(ipFailure(address)), false);
        }
        CompletableFuture<PodInfo> waiter = ipWaiters.register(address, unknownIpWait, () -> ipFailure(address));
        // The IP may have been indexed (or left to one pod) between the first look and the registration: look again.
        IpClaims.Owner now = claims.owner(address);
        if (now != null && !now.contested()) {
            waiter.complete(now.pod());
        }
        return counted(waiter, true);
    }

    @Override
    public CompletableFuture<PodAt> awaitPod(String ip, String uid) {
        if (uid == null || uid.isEmpty()) {
            unknown.increment();
            return CompletableFuture.failedFuture(podFailure());
        }
        String address = normalised(ip).orElse(null);
        PodAt known = claims.locate(address, uid);
        if (known != null) {
            hits.increment();
            return CompletableFuture.completedFuture(known);
        }
        if (stopped || unknownIpWait.isZero()) {
            unknown.increment();
            return CompletableFuture.failedFuture(podFailure());
        }
        CompletableFuture<PodInfo> waiter = uidWaiters.register(uid, unknownIpWait, InformerPodIndex::podFailure);
        // The pod may have been indexed between the first look and the registration: look again.
        PodAt now = claims.locate(address, uid);
        if (now != null) {
            waiter.complete(null);
        }
        return counted(waiter, true).thenApply(indexed -> {
            PodAt found = claims.locate(address, uid);
            if (found == null) { // indexed, then no longer indexable without being deleted: still not known
                throw podFailure();
            }
            return found;
        });
    }

    /** Counts how a lookup ended, once it has. */
    private <T> CompletableFuture<T> counted(CompletableFuture<T> lookup, boolean waitedFor) {
        lookup.whenComplete((found, failure) -> {
            if (failure == null) {
                (waitedFor ? waited : hits).increment();
            } else if (failure instanceof Failure f && "ip_ambiguous".equals(f.reason())) {
                ambiguous.increment();
            } else if (failure instanceof Failure.NotYetKnown) {
                unknown.increment();
            }
        });
        return lookup;
    }

    private Failure ipFailure(String ip) {
        IpClaims.Owner owner = claims.owner(ip);
        if (owner != null && owner.contested()) {
            return new Failure.NotYetKnown("ip_ambiguous",
                    "more than one running pod on this node has IP " + ip + ", retry shortly");
        }
        return new Failure.NotYetKnown("pod_unknown",
                "no pod with IP " + ip + " is known on this node yet, retry shortly");
    }

    private static Failure podFailure() {
        return new Failure.NotYetKnown("pod_unknown",
                "the pod this token was issued to is not known on this node yet, retry shortly");
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
        SharedIndexInformer<PodView> current = informer;
        return current != null && !stopped && current.isWatching();
    }

    /**
     * {@code added} fires once when a pod becomes indexable (on this node, not host-network, not finished, with an
     * IP), {@code removed} once when it stops being (deleted, finished); changes in between are not reported.
     * Listeners added before {@link #start()} see every pod; later ones only later changes. The pods of the first
     * list are reported once it is indexed (see {@link #start(CompletionStage)}), in the order they were listed.
     */
    @Override
    public void addListener(PodListener listener) {
        events.addListener(listener);
    }

    int waiting() {
        return ipWaiters.pending() + uidWaiters.pending();
    }

    /** What the informer keeps of each pod (see {@link TrimmedPodStore}), for tests. */
    List<PodView> stored() {
        SharedIndexInformer<PodView> current = informer;
        return current == null ? List.of() : current.getStore().list();
    }

    /** The informer's handler, for tests that feed events without an API server. */
    ResourceEventHandler<PodView> handler() {
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
