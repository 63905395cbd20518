package io.iamlet.testing;

import io.fabric8.kubernetes.api.model.Pod;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code iamlet stand-ins} (for the end-to-end tests and benchmarks; its own jar, never in the agent's): the API server, STS and upstream instance-metadata
 * stand-ins as a process of their own, bound to an address of the simulated node, seeded from a cluster spec. Writes
 * a kubeconfig for iamlet and each pod's projected token, prints one ready line ({@link StandInsControl#PREFIX}),
 * then answers control commands on standard input until killed.
 */
@Command(name = "stand-ins", mixinStandardHelpOptions = true,
        description = "Run the API server, STS and instance-metadata stand-ins (end-to-end tests only).")
public final class StandInsCommand implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new StandInsCommand()).execute(args));
    }

    @Option(names = "--bind", paramLabel = "IP", defaultValue = "127.0.0.1",
            description = "Address every stand-in listens on (ephemeral ports, printed in the ready line).")
    String bind;

    @Option(names = "--spec", paramLabel = "FILE", required = true,
            description = "Cluster spec (JSON): node, namespaces, service accounts, pods with their IPs.")
    Path spec;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Where to write kubeconfig and tokens/<namespace>.<pod>.token.")
    Path out;

    @Option(names = "--exit-on-eof", description = "Stop when standard input ends (the test that started us died).")
    boolean exitOnEof;

    @Override
    public Integer call() throws Exception {
        ClusterSpec cluster = ClusterSpec.read(spec);
        InetAddress address = InetAddress.getByName(bind);
        Path tokens = Files.createDirectories(out.resolve("tokens"));
        Path kubeconfig = out.resolve("kubeconfig");
        var stopped = new CountDownLatch(1);
        try (StandIns standIns = StandIns.start(address);
             MetadataStandIn metadata = MetadataStandIn.start(address, address.getHostAddress())) {
            standIns.writeKubeconfig(kubeconfig);
            List<Pod> pods = standIns.seed(cluster);
            var control = new StandInsControl(standIns, metadata, cluster.node(), tokens, System.out);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(stopped::countDown));
            control.ready(pods, kubeconfig);
            control.serve(System.in);
            if (!exitOnEof) {
                stopped.await();
            }
        }
        return 0;
    }
}
