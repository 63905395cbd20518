package io.iamlet.testing;

import io.fabric8.kubernetes.api.model.Pod;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code iamlet stand-ins} (for the end-to-end tests and benchmarks; its own jar, never in the agent's): the API server, STS and upstream instance-metadata
 * stand-ins as a process of their own, bound to an address of the simulated node, seeded from a cluster spec. Writes
 * a kubeconfig for iamlet and each pod's projected token, prints one ready line ({@link StandInsControl#PREFIX}),
 * then answers control commands on standard input until killed. With {@code --scale-*} the API server also holds
 * generated pods on other nodes, namespaces and service accounts (see {@link ScaleDispatcher}); the ready line
 * says how many objects it holds ({@code cluster}).
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

    @Option(names = "--scale-pods", paramLabel = "N", defaultValue = "0",
            description = "Also hold N generated running pods on other nodes (never --spec's node), not stored.")
    int scalePods;

    @Option(names = "--scale-namespaces", paramLabel = "N", defaultValue = "0",
            description = "Also hold N generated namespaces, some with the namespace policy annotations.")
    int scaleNamespaces;

    @Option(names = "--scale-service-accounts", paramLabel = "N", defaultValue = "0",
            description = "Also hold N generated service accounts, most naming a role.")
    int scaleServiceAccounts;

    @Option(names = "--api-https", description = "Serve the API server over https, as a cluster's; its certificate "
            + "is written to OUT/api-server-ca.crt and named in the ready line (apiServerCa).")
    boolean apiHttps;

    @Option(names = "--exit-on-eof", description = "Stop when standard input ends (the test that started us died).")
    boolean exitOnEof;

    @Override
    public Integer call() throws Exception {
        ClusterSpec cluster = ClusterSpec.read(spec);
        var scale = new ClusterScale(scalePods, scaleNamespaces, scaleServiceAccounts);
        InetAddress address = InetAddress.getByName(bind);
        Path tokens = Files.createDirectories(out.resolve("tokens"));
        Path kubeconfig = out.resolve("kubeconfig");
        var stopped = new CountDownLatch(1);
        try (StandIns standIns = StandIns.start(address, scale, cluster.node(), apiHttps);
             MetadataStandIn metadata = MetadataStandIn.start(address, address.getHostAddress())) {
            Path ca = null;
            if (apiHttps) {
                ca = out.resolve("api-server-ca.crt");
                standIns.writeApiServerCa(ca);
            }
            standIns.writeKubeconfig(kubeconfig, ca);
            List<Pod> pods = standIns.seed(cluster);
            var control = new StandInsControl(standIns, metadata, cluster.node(), tokens, System.out, ca);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(stopped::countDown));
            Map<String, Integer> holds = holds(cluster, scale);
            LoggerFactory.getLogger(StandInsCommand.class).atInfo()
                    .setMessage("API server holds the cluster (generated objects included)")
                    .addKeyValue("pods", holds.get("pods")).addKeyValue("namespaces", holds.get("namespaces"))
                    .addKeyValue("serviceAccounts", holds.get("serviceAccounts"))
                    .addKeyValue("generatedPods", scale.pods()).log();
            control.ready(pods, kubeconfig, holds);
            control.serve(System.in);
            if (!exitOnEof) {
                stopped.await();
            }
        }
        return 0;
    }

    /** How many objects the API server holds at start: seeded plus generated. */
    static Map<String, Integer> holds(ClusterSpec cluster, ClusterScale scale) {
        Map<String, Integer> holds = new LinkedHashMap<>();
        holds.put("pods", cluster.pods().size() + scale.pods());
        holds.put("namespaces", cluster.namespaces().size() + scale.namespaces());
        holds.put("serviceAccounts", cluster.serviceAccounts().size() + scale.serviceAccounts());
        return holds;
    }
}
