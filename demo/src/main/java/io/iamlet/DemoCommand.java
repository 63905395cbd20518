package io.iamlet;

import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.config.AgentConfig;
import io.iamlet.config.EnvironmentDefaults;
import io.iamlet.config.ServeOptions;
import io.iamlet.credentials.StsClients;
import io.iamlet.logging.LogFormat;
import io.iamlet.pods.PodSelector;
import io.iamlet.testing.StandIns;
import io.iamlet.metrics.Metrics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * {@code iamlet demo}: the agent on loopback against embedded stand-ins, with a real SDK as its first client. It
 * lives in its own module and jar (demo/target/iamlet-demo.jar) so that the agent's jar carries none of the
 * stand-ins.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run iamlet on loopback against an embedded Kubernetes API server and an STS stand-in, and "
                + "show the real AWS SDK for Java obtaining credentials through it. Needs no cluster and no AWS "
                + "account.")
public final class DemoCommand implements Callable<Integer> {

    /** The demo jar's entry point: {@code bin/iamlet demo} runs it. A person reads it, so logs are text. */
    public static void main(String[] args) {
        String[] withCommand = new String[args.length + 1];
        withCommand[0] = "demo";
        System.arraycopy(args, 0, withCommand, 1, args.length);
        LogFormat.choose(withCommand, System.getenv());
        System.exit(new CommandLine(new DemoCommand())
                .setDefaultValueProvider(new EnvironmentDefaults(System.getenv())).execute(args));
    }

    static final String NODE = "demo-node";
    static final String WEB_ROLE = "arn:aws:iam::111122223333:role/demo-web";

    @Option(names = "--exit", description = "Stop after the SDK check instead of serving until Ctrl-C.")
    boolean exit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("iamlet-demo-");
        try (StandIns standIns = StandIns.start(); Metrics metrics = Metrics.create()) {
            standIns.serviceAccount("shop", "web", WEB_ROLE);
            standIns.serviceAccount("shop", "no-role", null);
            Pod web = standIns.runningPod("shop", "web-1", "web", NODE, "127.0.0.1");
            Pod other = standIns.runningPod("shop", "web-2", "web", NODE, "127.0.0.2");
            Pod plain = standIns.runningPod("shop", "plain-1", "no-role", NODE, "127.0.0.3");
            Path webToken = token(dir, "web-1", standIns.tokenFor(web));
            token(dir, "web-2", standIns.tokenFor(other));
            Path plainToken = token(dir, "plain-1", standIns.tokenFor(plain));

            AgentConfig config = ServeOptions.parse(Map.of(), "--node-name", NODE,
                    "--container-listen", "127.0.0.1:0", "--probe-listen", "127.0.0.1:0",
                    "--metrics-listen", "127.0.0.1:0", "--sts-endpoint", standIns.sts().endpoint().toString(),
                    "--log-format", "text");
            Agent agent = Agent.start(config, new Agent.Wiring(standIns.client(), PodSelector.clientSideOnly(NODE),
                    "us-east-1", null, metrics));
            try {
                agent.podsSynced().get(30, TimeUnit.SECONDS);
                String container = "http://" + agent.bound("container").getFirst() + "/v1/credentials";
                out.printf("%niamlet demo: node %s on loopback, with an embedded API server and STS stand-in%n",
                        NODE);
                out.printf("  container endpoint  %s%n", container);
                out.printf("  probes              http://%s/readyz%n", agent.bound("probes").getFirst());
                out.printf("  metrics             http://%s/metrics%n", agent.bound("metrics").getFirst());
                out.printf("  pods                shop/web-1 at 127.0.0.1 and shop/web-2 at 127.0.0.2 (service "
                        + "account web -> %s), shop/plain-1 at 127.0.0.3 (no role)%n%n", WEB_ROLE);

                AwsCredentials credentials = sdkCredentials(container, webToken);
                String caller = callerIdentity(standIns, credentials);
                out.printf("The AWS SDK for Java v2 (ContainerCredentialsProvider) as pod shop/web-1:%n");
                out.printf("  AccessKeyId   %s%n", credentials.accessKeyId());
                out.printf("  Expiration    %s%n", credentials.expirationTime().map(Object::toString).orElse("-"));
                out.printf("  sts:GetCallerIdentity with them -> %s%n%n", caller);

                out.printf("Try next (tokens are in %s):%n", dir);
                out.printf("  curl -s -H \"Authorization: $(cat %s)\" %s%n", webToken, container);
                out.printf("  curl -s --interface 127.0.0.2 -H \"Authorization: $(cat %s)\" %s"
                        + "   # web-1's token replayed from web-2: 403%n", webToken, container);
                out.printf("  curl -s --interface 127.0.0.3 -H \"Authorization: $(cat %s)\" %s"
                        + "   # service account without a role: 403%n", plainToken, container);
                out.printf("  curl -s http://%s/metrics | grep '^iamlet_'%n", agent.bound("metrics").getFirst());
                out.flush();
                if (!exit) {
                    out.printf("%nServing until Ctrl-C.%n");
                    out.flush();
                    var stop = new CountDownLatch(1);
                    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                    stop.await();
                }
                return 0;
            } finally {
                agent.close();
            }
        }
    }

    private static Path token(Path dir, String pod, String token) throws Exception {
        Path file = dir.resolve(pod + ".token");
        Files.writeString(file, token); // no trailing newline, like a projected token
        return file;
    }

    /** The SDK reads the same settings a pod's environment would give it, here as system properties. */
    private static AwsCredentials sdkCredentials(String uri, Path tokenFile) {
        System.setProperty("aws.containerCredentialsFullUri", uri);
        System.setProperty("aws.containerAuthorizationTokenFile", tokenFile.toString());
        try (var provider = ContainerCredentialsProvider.builder().build()) {
            return provider.resolveCredentials();
        }
    }

    private static String callerIdentity(StandIns standIns, AwsCredentials credentials) {
        var settings = StsClients.Settings.defaults("us-east-1")
                .withEndpointOverride(standIns.sts().endpoint());
        var keys = new io.iamlet.credentials.sts.AwsKeys(credentials.accessKeyId(), credentials.secretAccessKey(),
                credentials instanceof AwsSessionCredentials session ? session.sessionToken() : null, null);
        try (var sts = StsClients.build(settings, keys)) {
            return sts.call(io.iamlet.credentials.sts.StsRequest.of("GetCallerIdentity"),
                    io.iamlet.credentials.sts.StsClient.Call.DEFAULT).join().assumedRoleArn();
        }
    }
}
