package io.iamlet;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.config.AgentConfig;
import io.iamlet.config.ServeOptions;
import io.iamlet.credentials.StsClients;
import io.iamlet.metrics.Metrics;
import io.iamlet.pods.KubernetesClients;
import io.iamlet.pods.PodSelector;
import io.iamlet.server.EventLoops;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code iamlet serve}: the agent, as the DaemonSet runs it.
 *
 * <p>Start-up builds the Kubernetes client (kubeconfig or service-account configuration, Jackson, the HTTP client:
 * about half of the CPU time to ready) on a thread of its own, and the STS clients (the JDK's default TLS context
 * reads the CA certificates) on another, while this thread builds the meter registry and the servers' event loops
 * (Netty's native transport); none of these needs another. The agent starts once all are done, in the order
 * {@link Agent} documents.
 */
@Command(addMethodSubcommands = false, name = "serve", mixinStandardHelpOptions = true,
        description = "Run the agent: serve credentials to this node's pods until SIGTERM.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ServeOptions options;

    @Override
    public Integer call() throws Exception {
        AgentConfig config = options.toConfig();
        var region = StsClients.regionFrom(System.getenv()).orElseThrow(() -> new IllegalArgumentException(
                "AWS_REGION must be set: iamlet calls the regional STS endpoint"));
        // logging starts here, on one thread: two threads' first loggers at once would make SLF4J queue and replay
        // their calls with a warning on stderr
        LoggerFactory.getILoggerFactory();
        CompletableFuture<KubernetesClient> building = onThread("iamlet-kubernetes-client", KubernetesClients::agent);
        Metrics metrics = null;
        Sources sources = null;
        EventLoops loops = null;
        CompletableFuture<?> clients = CompletableFuture.completedFuture(null);
        KubernetesClient kubernetes = null;
        Agent agent;
        try {
            metrics = Metrics.create();
            sources = new Sources(config, region, null, metrics.registry(), Clock.systemUTC());
            clients = onThread("iamlet-sts-clients", Executors.callable(sources::buildClients));
            loops = EventLoops.create(2);
            joined(clients);
            kubernetes = joined(building);
            var wiring = new Agent.Wiring(kubernetes, PodSelector.node(config.nodeName()), region, null, metrics);
            var owned = loops;
            loops = null; // the agent's from here: it shuts them down, also when it fails to start
            agent = Agent.start(config, wiring, sources, owned);
        } catch (RuntimeException | Error e) {
            // Agent.start closes the sources when it fails past their start; a second close does nothing. The STS
            // clients' thread may still be building: they are closed once built.
            if (sources != null) {
                var built = sources;
                clients.whenComplete((ok, failure) -> built.close());
            }
            if (loops != null) {
                loops.close();
            }
            building.thenAccept(KubernetesClient::close);
            if (metrics != null) {
                metrics.close();
            }
            throw e;
        }
        agent.podsSynced().exceptionally(e -> {
            // without this node's pods iamlet can tell no caller apart: exit, and let the DaemonSet restart it
            System.exit(1);
            return null;
        });
        var stopped = new CountDownLatch(1);
        var client = kubernetes;
        var meters = metrics;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("iamlet-shutdown").unstarted(() -> {
            agent.close();
            client.close();
            meters.close();
            stopped.countDown();
            // last: drain the asynchronous log queue, so the shutdown's own lines are written too
            if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
                ctx.stop();
            }
        }));
        stopped.await();
        return 0;
    }

    /** Runs {@code work} on a daemon thread of its own; the future holds its result or what it threw. */
    private static <T> CompletableFuture<T> onThread(String name, Callable<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        Thread.ofPlatform().name(name).daemon().start(() -> {
            try {
                done.complete(work.call());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** The result once there; a failure is rethrown as it was thrown, so start-up errors read as before. */
    private static <T> T joined(CompletableFuture<T> building) {
        try {
            return building.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
