package io.iamlet;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.associations.AssociationStore;
import io.iamlet.associations.RoleSourceResolver;
import io.iamlet.audit.AuditLog;
import io.iamlet.audit.PodEventRecorder;
import io.iamlet.config.AgentConfig;
import io.iamlet.config.CredentialSourceKind;
import io.iamlet.credentials.CredentialCache;
import io.iamlet.credentials.sts.NodeKeys;
import io.iamlet.health.Heartbeat;
import io.iamlet.health.LivenessHandler;
import io.iamlet.health.PolledCheck;
import io.iamlet.health.Probes;
import io.iamlet.health.Readiness;
import io.iamlet.health.ShutdownSequence;
import io.iamlet.identity.ApiServerKeySource;
import io.iamlet.identity.JwksTokenVerifier;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.identity.ServiceAccountRoleResolver;
import io.iamlet.injection.MissedInjectionDetector;
import io.iamlet.logging.DroppedLines;
import io.iamlet.metadata.BaseArnDiscovery;
import io.iamlet.metadata.InformerNamespacePolicies;
import io.iamlet.metadata.MetadataService;
import io.iamlet.metadata.UpstreamMetadata;
import io.iamlet.metrics.CredentialDecisionMetrics;
import io.iamlet.metrics.Metrics;
import io.iamlet.pods.InformerPodIndex;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodSelector;
import io.iamlet.podidentity.PodIdentityService;
import io.iamlet.podidentity.ContainerCredentialsHandler;
import io.iamlet.server.EventLoops;
import io.iamlet.server.HttpServer;
import io.iamlet.server.ServerLimits;
import io.iamlet.server.ListenAddress;
import io.iamlet.server.Routes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component from one {@link AgentConfig}, starts them in order, and stops them
 * in reverse.
 *
 * <p>Start order: listeners bind before the informers have synced, so a pod that asks that early waits (bounded)
 * for the index and gets 503 at worst, which every SDK retries; {@code /readyz} turns true only once everything
 * is loaded. The namespace and pod informers list at once, neither holding the starting thread; the probes and
 * metrics listeners bind while they run. The pod listeners (the metadata path's prefetch, the missed-injection
 * check) are registered before the pod informer starts, so pods already on the node are prefetched and checked
 * too, but hear of them only once the pods are indexed and the namespaces listed (or could not be): a pod's
 * prefetch finds its namespace's policy, and their work does not compete with the list that readiness waits for.
 * Stop order: readiness false, credential listeners drain, then the rest.
 */
public final class Agent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    /** Threads for API-server calls: as many calls in flight; each may take the fail-fast timeout (5 s). */
    static final int API_THREADS = 4;
    /**
     * API calls waiting for a thread. Lookups are shared per service account and Events are capped, so this is
     * reached only when the API server is slow and many service accounts are new at once.
     */
    static final int API_QUEUE = 128;
    static final int VERIFY_THREADS = Math.clamp(Runtime.getRuntime().availableProcessors(), 1, 4);
    /** Verifications waiting: a signature check costs well under 1 ms (RSA, ECDSA), so a full queue drains in time. */
    static final int VERIFY_QUEUE = 1024;

    /** What the environment supplies: the API server, AWS, how to select this node's pods, and the registry. */
    public record Wiring(KubernetesClient kubernetes, PodSelector podSelector, String region,
                         NodeKeys nodeCredentials, Metrics metrics) {
    }

    private final AgentConfig config;
    private final Wiring wiring;
    private final Clock clock = Clock.systemUTC();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<HttpServer> servers = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    /** API-server calls that can block (service accounts, signing keys, Events). */
    private final ThreadPoolExecutor apiCalls;
    /** First-time token verification: signature checks, CPU only. */
    private final ThreadPoolExecutor verification;
    private final AuditLog audit;
    private final Sources sources;
    private EventLoops loops;
    private InformerPodIndex pods;
    private Readiness readiness;
    private CompletableFuture<Void> podsSynced = new CompletableFuture<>();
    private volatile boolean closed;

    private Agent(AgentConfig config, Wiring wiring, Sources sources, EventLoops loops) {
        this.config = config;
        this.loops = loops;
        this.wiring = wiring;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("iamlet-scheduler").factory());
        var registry = wiring.metrics().registry();
        // Work that can block apart from CPU work, so a slow API server cannot delay token verification; each
        // queue bounded, so that a backlog turns into prompt 503s (overloaded) rather than waits past the deadline.
        this.apiCalls = boundedPool("api", API_THREADS, API_QUEUE, registry);
        this.verification = boundedPool("verify", VERIFY_THREADS, VERIFY_QUEUE, registry);
        this.audit = new AuditLog(config.nodeName(), config.auditEveryGrant(), registry);
        this.sources = sources;
    }

    /**
     * A fixed pool of daemon threads whose bounded queue refuses work when full: the caller turns the refusal into a
     * retryable 503 at once, never a wait. Refusals are counted in {@code iamlet.work.rejected}; the pool's size,
     * activity and queue are Micrometer's {@code executor.*} meters, tagged {@code name=iamlet-<name>}.
     */
    private static ThreadPoolExecutor boundedPool(String name, int threads, int queue, MeterRegistry registry) {
        // registered now, at 0, so that an alert on it has a series before the first refusal
        Counter rejected = Counter.builder("iamlet.work.rejected")
                .description("Tasks refused because their pool's queue was full; the request waiting for them got "
                        + "503 overloaded")
                .tag("pool", name).register(registry);
        var pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                Thread.ofPlatform().daemon().name("iamlet-" + name + "-", 0).factory(),
                (task, refusing) -> {
                    if (!refusing.isShutdown()) {
                        rejected.increment();
                    }
                    throw new RejectedExecutionException("the " + name + " pool is full");
                });
        new ExecutorServiceMetrics(pool, "iamlet-" + name, List.of()).bindTo(registry);
        return pool;
    }

    /** Builds and starts the agent; throws when nothing can be served. */
    public static Agent start(AgentConfig config, Wiring wiring) {
        return start(config, wiring, new Sources(config, wiring.region(), wiring.nodeCredentials(),
                wiring.metrics().registry(), Clock.systemUTC()), null);
    }

    /**
     * As {@link #start(AgentConfig, Wiring)}, with STS clients and the servers' threads made ahead ({@link
     * ServeCommand} makes them while it builds the Kubernetes client; {@code loops} null: made here); the agent owns
     * and closes {@code sources} and {@code loops}.
     */
    static Agent start(AgentConfig config, Wiring wiring, Sources sources, EventLoops loops) {
        Agent agent = new Agent(config, wiring, sources, loops);
        try {
            agent.startAll();
            return agent;
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /**
     * The pod informer's first list, its listeners held until {@code listenersAfter} too; never completes when the
     * agent stopped before it could start.
     */
    private CompletableFuture<Void> startPods(CompletableFuture<?> listenersAfter) {
        if (closed) {
            return new CompletableFuture<>();
        }
        try {
            return pods.start(listenersAfter).whenComplete((ok, e) -> {
                if (e != null) {
                    LOG.error("listing this node's pods failed; iamlet cannot tell pods apart and stays unready", e);
                } else {
                    // uptime: how long this JVM took to get here, the usual last step before ready
                    LOG.atInfo().setMessage("pod informer synced").addKeyValue("pods", pods.pods().size())
                            .addKeyValue("uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime()).log();
                }
            });
        } catch (IllegalStateException stoppedMeanwhile) {
            return new CompletableFuture<>();
        }
    }

    private void startAll() {
        var registry = wiring.metrics().registry();
        var client = wiring.kubernetes();
        if (loops == null) {
            loops = EventLoops.create(2);
        }
        closeables.add(DroppedLines.shared().bindTo(registry)); // log lines the stalled stdout cost, by logger
        closeables.add(sources);
        pods = new InformerPodIndex(client, wiring.podSelector(), config.unknownIpWait(), Scheduler.systemScheduler(),
                registry);
        audit.addListener(new CredentialDecisionMetrics(registry));
        audit.addListener(new PodEventRecorder(client, pods, config.nodeName(), PodEventRecorder.DEFAULT_INTERVAL,
                apiCalls, Ticker.systemTicker(), clock, registry));
        var checks = Readiness.builder().check("pod-informer", pods::synced);
        CompletableFuture<Void> namespacesListed = CompletableFuture.completedFuture(null);

        if (config.containerEnabled()) {
            var verifier = new JwksTokenVerifier(new ApiServerKeySource(client, apiCalls),
                    JwksTokenVerifier.Settings.defaults().withAudience(config.audience())
                            .withIssuerOverride(config.issuer()),
                    verification, clock, Ticker.systemTicker(), registry);
            closeables.add(verifier);
            var allowList = new RoleArnAllowList(config.allowedRolePatterns());
            var annotationRoles = new ServiceAccountRoleResolver(client,
                    ServiceAccountRoleResolver.Settings.defaults().withAnnotationKey(config.roleAnnotation()),
                    allowList, apiCalls, Ticker.systemTicker(), registry);
            AssociationStore associations = null;
            if (config.roleSource().usesAssociations()) {
                associations = new AssociationStore(client, config.unknownIpWait(), registry);
                closeables.add(associations);
                checks.check("associations", associations.readiness());
                associations.start().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> {
                    LOG.error("listing PodIdentityAssociations failed: service accounts get no role from them until "
                            + "it succeeds (check the CRD and the agent's RBAC)", e);
                    return null;
                });
            }
            var roles = RoleSourceResolver.create(config.roleSource(), annotationRoles, associations, allowList,
                    registry);
            // pods that map to a role but missed the webhook's injection: an Event and a metric (before the pod
            // informer starts, so that pods already on the node are checked too)
            pods.addListener(new MissedInjectionDetector(client, roles, config.nodeName(), apiCalls, scheduler, clock,
                    registry));
            CredentialCache cache = sources.containerCache(this::stillWanted);
            var service = new PodIdentityService(verifier, pods, roles, cache, audit);
            credentialServer("container", config.containerListen(), null, Routes.builder()
                    .get("/v1/credentials", "container", new ContainerCredentialsHandler(service)).build());
            checks.check("jwks", verifier::ready);
            verifier.start(scheduler, Duration.ofMinutes(1)).whenComplete((ok, e) -> {
                if (e != null) {
                    LOG.warn("service-account signing keys not loaded yet: {}", e.toString());
                }
            });
        }

        if (config.metadataEnabled()) {
            var namespaces = new InformerNamespacePolicies(client, config.unknownIpWait(), registry);
            closeables.add(namespaces);
            var settings = sources.metadataSettings();
            var upstream = UpstreamMetadata.of(settings, clock, registry);
            closeables.add(upstream);
            var baseRoleArn = BaseArnDiscovery.baseRoleArn(settings, upstream,
                    Scheduler.forScheduledExecutorService(scheduler));
            var service = new MetadataService(pods, namespaces, sources.metadataCache(this::stillWanted), settings,
                    baseRoleArn, upstream, audit, clock, registry);
            credentialServer("metadata", config.metadataListen(), MetadataService.SERVER_HEADER, service.routes());
            checks.check("namespaces", namespaces::synced);
            namespacesListed = namespaces.start().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> {
                LOG.error("listing namespaces failed: the metadata path denies until it succeeds", e);
                return null;
            });
        }

        closeables.add(pods); // last: the first to close
        // Both lists run at once, neither holding this thread. The pod listeners (prefetch, missed-injection checks)
        // hear of the listed pods only once the pods are indexed and the namespaces listed (or could not be): a pod's
        // prefetch needs its namespace's policy (decided earlier, a large cluster's prefetches were all refused while
        // its namespaces were still listing), and their work would compete with the list that readiness waits for.
        podsSynced = startPods(namespacesListed);

        sources.nodeCredentialsProbe().ifPresent(probe -> {
            var check = new PolledCheck(probe, clock, Duration.ofMinutes(2));
            check.start(scheduler, Duration.ofSeconds(30));
            checks.check("node-credentials", check);
        });
        checks.check("listeners", () -> !closed && servers.stream().allMatch(s -> !s.boundAddresses().isEmpty()));
        readiness = checks.build(registry);
        var heartbeat = new Heartbeat(clock, Duration.ofSeconds(60));
        heartbeat.start(scheduler, Duration.ofSeconds(5));
        server("probes", config.probeListen(), null, Probes.routes(new LivenessHandler(heartbeat), readiness),
                ServerLimits.DEFAULTS);
        server("metrics", config.metricsListen(), null,
                Routes.builder().get("/metrics", "metrics", wiring.metrics().handler()).build(), ServerLimits.DEFAULTS);

        LOG.atInfo().setMessage("iamlet started").addKeyValue("node", config.nodeName())
                .addKeyValue("credential_source", config.credentialSource().flagValue())
                .addKeyValue("metadata_path", config.metadataEnabled())
                .addKeyValue("transport", loops.transport()).log();
    }

    /** A cached identity stays renewed only while a pod of this node can still use it. */
    private boolean stillWanted(io.iamlet.credentials.CredentialSource.CacheKey key) {
        for (var pod : pods.pods()) {
            boolean same = key.podUid() != null
                    ? key.podUid().equals(pod.uid())
                    : key.namespace().equals(pod.namespace()) && key.serviceAccount().equals(pod.serviceAccount());
            if (same) {
                return true;
            }
        }
        return false;
    }

    /** A listener pods call for credentials: answers within the request deadline, connections capped per source. */
    private void credentialServer(String name, List<String> listen, String serverHeader, Routes routes) {
        server(name, listen, serverHeader, routes, ServerLimits.DEFAULTS
                .withHandlerTimeout(config.faults().requestDeadline())
                .withMaxConnectionsPerSource(config.faults().maxConnectionsPerSource()));
    }

    private void server(String name, List<String> listen, String serverHeader, Routes routes, ServerLimits limits) {
        List<ListenAddress> addresses = listen.stream().map(ListenAddress::parse).toList();
        var builder = HttpServer.builder(name, routes, wiring.metrics().registry())
                .listen(addresses).eventLoops(loops).stopTimeout(config.shutdownTimeout()).limits(limits);
        if (serverHeader != null) {
            builder.serverHeader(serverHeader);
        }
        HttpServer server = builder.build();
        server.start();
        servers.add(server);
    }

    public PodIndex pods() {
        return pods;
    }

    /** Completes when this node's pods have been listed once. */
    public CompletableFuture<Void> podsSynced() {
        return podsSynced;
    }

    /** Addresses actually bound by the named server (tests and the demo bind port 0). */
    public List<ListenAddress> bound(String server) {
        return servers.stream().filter(s -> s.name().equals(server)).findFirst()
                .map(HttpServer::boundAddresses).orElse(List.of());
    }

    /**
     * Graceful stop within {@code --shutdown-timeout}: not ready first (so the node stops being advertised), then
     * the credential listeners finish their in-flight requests, then everything else closes.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        var sequence = new ShutdownSequence(config.shutdownTimeout());
        if (readiness != null) {
            sequence.thenRun("not-ready", readiness::shuttingDown);
        }
        for (HttpServer s : servers) {
            if (!s.name().equals("probes") && !s.name().equals("metrics")) {
                sequence.then("stop-" + s.name(), s::stop);
            }
        }
        for (AutoCloseable c : closeables.reversed()) {
            sequence.thenRun("close-" + c.getClass().getSimpleName(), () -> {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
                }
            });
        }
        for (HttpServer s : servers) {
            if (s.name().equals("probes") || s.name().equals("metrics")) {
                sequence.then("stop-" + s.name(), s::stop);
            }
        }
        if (loops != null) {
            sequence.then("event-loops", loops::shutdown);
        }
        sequence.run().join();
        scheduler.shutdownNow();
        apiCalls.shutdownNow();
        verification.shutdownNow();
        LOG.info("iamlet stopped");
    }
}
