package io.iamlet;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.iamlet.config.AgentConfig;
import io.iamlet.config.ServeOptions;
import io.iamlet.credentials.StsClients;
import io.iamlet.pods.PodSelector;
import io.iamlet.metrics.Metrics;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code iamlet serve}: the agent, as the DaemonSet runs it. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the agent: serve credentials to this node's pods until SIGTERM.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ServeOptions options;

    @Override
    public Integer call() throws Exception {
        AgentConfig config = options.toConfig();
        var region = StsClients.regionFrom(System.getenv()).orElseThrow(() -> new IllegalArgumentException(
                "AWS_REGION must be set: iamlet calls the regional STS endpoint"));
        KubernetesClient kubernetes = new KubernetesClientBuilder().build();
        Metrics metrics = Metrics.create();
        var wiring = new Agent.Wiring(kubernetes, PodSelector.node(config.nodeName()), region, null, metrics);
        Agent agent;
        try {
            agent = Agent.start(config, wiring);
        } catch (RuntimeException e) {
            kubernetes.close();
            metrics.close();
            throw e;
        }
        agent.podsSynced().exceptionally(e -> {
            // without this node's pods iamlet can tell no caller apart: exit, and let the DaemonSet restart it
            System.exit(1);
            return null;
        });
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("iamlet-shutdown").unstarted(() -> {
            agent.close();
            kubernetes.close();
            metrics.close();
            stopped.countDown();
            // last: drain the asynchronous log queue, so the shutdown's own lines are written too
            if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
                ctx.stop();
            }
        }));
        stopped.await();
        return 0;
    }
}
