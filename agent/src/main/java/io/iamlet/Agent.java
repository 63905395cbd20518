package io.iamlet;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.audit.AuditLog;
import io.iamlet.config.AgentConfig;
import io.iamlet.config.CredentialSourceKind;
import io.iamlet.credentials.AssumeRoleSource;
import io.iamlet.credentials.CacheSettings;
import io.iamlet.credentials.CredentialCache;
import io.iamlet.credentials.CredentialSource;
import io.iamlet.credentials.CredentialSource.CacheKey;
import io.iamlet.credentials.MeteredSource;
import io.iamlet.credentials.StsClients;
import io.iamlet.credentials.WebIdentitySource;
import io.iamlet.identity.ApiServerKeySource;
import io.iamlet.identity.JwksTokenVerifier;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.identity.ServiceAccountRoleResolver;
import io.iamlet.pods.InformerPodIndex;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodSelector;
import io.iamlet.podidentity.PodIdentityService;
import io.iamlet.server.ContainerCredentialsHandler;
import io.iamlet.server.EventLoops;
import io.iamlet.server.HttpServer;
import io.iamlet.server.ListenAddress;
import io.iamlet.server.Routes;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/**
 * The composition root: builds every component from one {@link AgentConfig}, starts them in order, and stops them
 * in reverse. Listeners bind before the pod informer has synced: a pod asking that early waits (bounded) for the
 * index and gets 503 at worst, which every SDK retries; readiness turns true only when everything is loaded.
 */
public final class Agent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    /** What the environment supplies: the API server, AWS, and how to select this node's pods. */
    public record Wiring(KubernetesClient kubernetes, PodSelector podSelector, Region region,
                         AwsCredentialsProvider nodeCredentials, MeterRegistry registry) {
    }

    private final AgentConfig config;
    private final Wiring wiring;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<HttpServer> servers = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService blocking;
    private EventLoops loops;
    private InformerPodIndex pods;
    private JwksTokenVerifier verifier;
    private HttpServer containerServer;
    private HttpServer probeServer;
    private volatile CompletableFuture<Void> podsSynced = new CompletableFuture<>();

    private Agent(AgentConfig config, Wiring wiring) {
        this.config = config;
        this.wiring = wiring;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("iamlet-scheduler").factory());
        this.blocking = Executors.newFixedThreadPool(4, Thread.ofPlatform().daemon()
                .name("iamlet-io-", 0).factory());
    }

    /** Builds and starts the agent; throws when nothing can be served. */
    public static Agent start(AgentConfig config, Wiring wiring) {
        Agent agent = new Agent(config, wiring);
        try {
            agent.startAll();
            return agent;
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    private void startAll() {
        MeterRegistry registry = wiring.registry();
        AuditLog audit = new AuditLog(config.nodeName());
        loops = EventLoops.create(2);
        closeables.add(loops);

        pods = new InformerPodIndex(wiring.kubernetes(), wiring.podSelector(), config.unknownIpWait(),
                Scheduler.systemScheduler(), registry);
        closeables.add(pods);

        CredentialCache cache = new CredentialCache(new MeteredSource(source(), registry),
                CacheSettings.of(config.refreshFraction(), config.refreshMinRemaining(), config.cacheMaxIdentities()),
                this::stillWanted, registry);
        closeables.add(cache);

        if (config.containerEnabled()) {
            verifier = new JwksTokenVerifier(new ApiServerKeySource(wiring.kubernetes(), blocking),
                    JwksTokenVerifier.Settings.defaults().withAudience(config.audience())
                            .withIssuerOverride(config.issuer()),
                    blocking, Clock.systemUTC(), Ticker.systemTicker(), registry);
            closeables.add(verifier);
            var roles = new ServiceAccountRoleResolver(wiring.kubernetes(),
                    ServiceAccountRoleResolver.Settings.defaults().withAnnotationKey(config.roleAnnotation()),
                    new RoleArnAllowList(config.allowedRolePatterns()), blocking, Ticker.systemTicker(), registry);
            var service = new PodIdentityService(verifier, pods, roles, cache, audit);
            containerServer = server("container", config.containerListen(), Routes.builder()
                    .get("/v1/credentials", "container", new ContainerCredentialsHandler(service)).build());
        }

        probeServer = server("probes", config.probeListen(), Probes.routes(this));
        server("metrics", config.metricsListen(), Probes.metricsRoutes(registry));

        podsSynced = pods.start().whenComplete((ok, e) -> {
            if (e != null) {
                LOG.error("listing this node's pods failed; iamlet cannot tell pods apart and stays unready", e);
            } else {
                LOG.atInfo().setMessage("pod informer synced").addKeyValue("pods", pods.pods().size()).log();
            }
        });
        if (verifier != null) {
            verifier.start(scheduler, Duration.ofMinutes(1)).whenComplete((ok, e) -> {
                if (e != null) {
                    LOG.warn("service-account signing keys not loaded yet: {}", e.toString());
                }
            });
        }
        LOG.atInfo().setMessage("iamlet started").addKeyValue("node", config.nodeName())
                .addKeyValue("credential_source", config.credentialSource().flagValue())
                .addKeyValue("transport", loops.transport()).log();
    }

    private CredentialSource source() {
        var settings = StsClients.Settings.fromEnvironment(wiring.region());
        if (config.stsEndpoint() != null) {
            settings = settings.withEndpointOverride(config.stsEndpoint());
        }
        Clock clock = Clock.systemUTC();
        if (config.credentialSource() == CredentialSourceKind.WEB_IDENTITY) {
            StsAsyncClient sts = StsClients.forWebIdentity(settings);
            closeables.add(sts);
            return new WebIdentitySource(sts, config.sessionDuration(), clock);
        }
        StsAsyncClient sts = wiring.nodeCredentials() == null
                ? StsClients.forAssumeRole(settings)
                : StsClients.build(settings, wiring.nodeCredentials());
        closeables.add(sts);
        return new AssumeRoleSource(sts, config.clusterName(), config.sessionDuration(), clock);
    }

    /** A cache key stays renewed only while a pod of this node can still use it. */
    private boolean stillWanted(CacheKey key) {
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

    private HttpServer server(String name, List<String> listen, Routes routes) {
        List<ListenAddress> addresses = listen.stream().map(ListenAddress::parse).toList();
        HttpServer server = HttpServer.builder(name, routes, wiring.registry())
                .listen(addresses).eventLoops(loops).stopTimeout(config.shutdownTimeout()).build();
        server.start();
        servers.add(server);
        return server;
    }

    public PodIndex pods() {
        return pods;
    }

    /** Completes when this node's pods have been listed once. */
    public CompletableFuture<Void> podsSynced() {
        return podsSynced;
    }

    /** Whether the agent can answer correctly now; each entry names a check and its state. */
    public java.util.Map<String, Boolean> readiness() {
        var checks = new java.util.LinkedHashMap<String, Boolean>();
        checks.put("pods_synced", pods != null && pods.synced());
        if (verifier != null) {
            checks.put("signing_keys_loaded", verifier.ready());
        }
        checks.put("listeners_bound", !servers.isEmpty() && servers.stream().allMatch(s -> !s.boundAddresses().isEmpty()));
        return checks;
    }

    /** Addresses actually bound by the named server (tests and the demo bind port 0). */
    public List<ListenAddress> bound(String server) {
        return servers.stream().filter(s -> s.name().equals(server)).findFirst()
                .map(HttpServer::boundAddresses).orElse(List.of());
    }

    /** Graceful stop: stop accepting, let in-flight requests finish within the shutdown timeout, then close. */
    @Override
    public void close() {
        Duration timeout = config.shutdownTimeout();
        CompletableFuture<?>[] stops = servers.reversed().stream().map(s -> s.stop(timeout))
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(stops).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("listeners did not stop within {}", timeout);
        }
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
        scheduler.shutdownNow();
        blocking.shutdownNow();
        LOG.info("iamlet stopped");
    }
}
