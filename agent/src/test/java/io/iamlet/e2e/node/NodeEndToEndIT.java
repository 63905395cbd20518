package io.iamlet.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.iamlet.e2e.node.Matrix.Case;
import io.iamlet.e2e.node.Matrix.Row;
import io.iamlet.e2e.node.Matrix.Verdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.util.VersionInfo;

/**
 * Proof on a (simulated) node: real network namespaces, iamlet's real node set-up and iptables, iamlet and its
 * stand-ins as separate processes started from the packaged jar, and the real AWS SDKs of four languages asking for
 * credentials from inside pod namespaces, through 169.254.170.23 and 169.254.169.254, each checked against the role
 * the STS stand-in issued its keys for. See docs/testing.md for the table of cases.
 *
 * <p>Everything is started once (the namespaces, the stand-ins, iamlet, one Java SDK JVM per pod); each case runs
 * its rows in parallel on its first invocation, and each parameterised invocation asserts its own row. Cases run
 * in order: the last two stop and restart iamlet. Needs root, {@code ip} and {@code iptables}, Node.js with
 * {@code e2e/node_modules}, Python with boto3, Debian's awscli; a missing piece FAILS the test. To skip it on purpose
 * (a machine without root), pass {@code -Diamlet.netns.tests=false}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeEndToEndIT {

    static final String ENABLED = "iamlet.netns.tests";

    private final Matrix matrix = new Matrix();
    private final Map<Case, Map<Row, Verdict>> batches = new ConcurrentHashMap<>();
    private final List<String> preamble = new ArrayList<>();
    private final long began = System.nanoTime();
    private Path work;
    private Requirements requirements;
    private SimulatedNode node;
    private StandInsProcess standIns;
    private volatile IamletProcess iamlet;
    private PodClients clients;
    private Scenarios scenarios;
    private WebhookCases webhook;
    private Thread cleanupHook;

    @BeforeAll
    void startNode() throws IOException {
        assumeFalse("false".equals(System.getProperty(ENABLED)), "disabled by -D" + ENABLED + "=false");
        Path repo = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        requirements = Requirements.check(repo);
        preamble.addAll(requirements.describe());
        preamble.set(0, preamble.getFirst().replace("Java SDK v2", "Java SDK v2 " + VersionInfo.SDK_VERSION));
        work = repo.resolve("agent/target/e2e-node");
        deleteRecursively(work);
        Files.createDirectories(work.resolve("out"));
        cleanupHook = Thread.ofPlatform().unstarted(this::cleanUp);
        Runtime.getRuntime().addShutdownHook(cleanupHook);

        node = SimulatedNode.create(6); // pod6: the pod configured by the webhook's mutation only
        preamble.addAll(node.assertIsolated()); // before anything runs in these namespaces
        preamble.add(nodeSetup());
        standIns = StandInsProcess.start(node, requirements.launcher(),
                repo.resolve("agent/src/test/resources/e2e/cluster.json"), work.resolve("out"),
                work.resolve("logs/stand-ins.log"));
        startIamlet();
        preamble.add("iamlet ready " + iamlet.startedIn().toMillis() + " ms after its start (packaged jar, "
                + "production spec.nodeName selector); pods indexed: " + podsIndexed());
        clients = new PodClients(node, repo, work, requirements.python(), standIns.sts());
        clients.startJavaClients();
        scenarios = new Scenarios(node, standIns, clients, new Scenarios.Agent() {
            @Override public boolean running() { return iamlet != null && iamlet.alive(); }
            @Override public int stop() { return stopIamlet(); }
            @Override public void start() { startIamlet(); }
            @Override public String log() {
                try {
                    return Files.readString(iamlet.log());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    private String nodeSetup() {
        List<String> argv = node.inNode(List.of(requirements.launcher().toString(), "node-setup",
                "--host-ip", SimulatedNode.HOST_IP, "--pod-interface", "eni+"));
        Shell.Result setup = Shell.run(argv, Map.of("PATH", Shell.PATH, "IAMLET_LOG_FORMAT", "text"),
                Duration.ofSeconds(120));
        assertThat(setup.exit()).as("iamlet node-setup: %s", setup.describe()).isZero();
        assertThat(Shell.must("ip", "-n", node.node(), "-o", "addr", "show", "dev", "iamlet0"))
                .contains("inet 169.254.170.23/32");
        String nat = Shell.run(node.inNode(List.of("iptables", "-w", "5", "-t", "nat", "-S")), null,
                Duration.ofSeconds(30)).out();
        assertThat(nat).containsOnlyOnce("-d 169.254.169.254/32 -i eni+ -p tcp -m tcp --dport 80")
                .contains("--to-destination " + SimulatedNode.HOST_IP + ":8181");
        return "node-setup (packaged jar, in the node namespace): link iamlet0 with 169.254.170.23/32, "
                + "DNAT 169.254.169.254:80 on eni+ -> " + SimulatedNode.HOST_IP + ":8181, in " + setup.took().toMillis()
                + " ms";
    }

    private synchronized void startIamlet() {
        startIamlet(List.of());
    }

    private synchronized void startIamlet(List<String> extra) {
        List<String> metadataPath = Shell.concat(List.of(
                "--metadata-listen", SimulatedNode.HOST_IP + ":8181",
                "--cluster-name", "e2e",
                "--base-role-arn", "arn:aws:iam::111122223333:role/",
                "--imdsv2-required", "true",
                "--metadata-upstream", standIns.metadata().toString()), extra);
        iamlet = IamletProcess.start(node, requirements.launcher(), standIns, IamletProcess.flags(standIns, metadataPath),
                work.resolve("out"), work.resolve("logs/iamlet.log"));
    }

    private synchronized int stopIamlet() {
        int exit = iamlet.stop();
        assertThat(exit).as("iamlet's exit status after SIGTERM").isIn(0, 143);
        return exit;
    }

    private String podsIndexed() {
        String metrics = standIns.httpBody("http://127.0.0.1:9876/metrics");
        return metrics.lines().filter(l -> l.startsWith("iamlet_pods_indexed")).findFirst().orElse("(no gauge)");
    }

    static Stream<Row> ownRole() { return rows(Case.OWN_ROLE); }
    static Stream<Row> upstream() { return rows(Case.UPSTREAM); }
    static Stream<Row> otherPodToken() { return rows(Case.OTHER_POD_TOKEN); }
    static Stream<Row> noRole() { return rows(Case.NO_ROLE); }
    static Stream<Row> forbiddenRole() { return rows(Case.FORBIDDEN_ROLE); }
    static Stream<Row> ipReuse() { return rows(Case.IP_REUSE); }
    static Stream<Row> slowloris() { return rows(Case.SLOWLORIS); }
    static Stream<Row> stopped() { return rows(Case.STOPPED); }
    static Stream<Row> restarted() { return rows(Case.RESTARTED); }

    private static Stream<Row> rows(Case scenario) {
        return Scenarios.rows(scenario).stream();
    }

    @Test
    @Order(0)
    void simulatedNodeStillHasNoRouteOutOnceEverythingRuns() {
        assertThat(node.assertIsolated(List.of("iamlet0"))).hasSize(2);
        assertThat(podsIndexed()).as("only this node's pods (the seed has one on another node)")
                .endsWith(" 5.0");
    }

    @Order(1) @ParameterizedTest(name = "{0}") @MethodSource("ownRole")
    void twoPodsAskingConcurrentlyEachGetTheirOwnRole(Row row) { check(row); }

    @Order(2) @ParameterizedTest(name = "{0}") @MethodSource("upstream")
    void theMetadataProxyPassesOnlyAllowListedPathsWithItsOwnToken(Row row) { check(row); }

    @Order(3) @ParameterizedTest(name = "{0}") @MethodSource("otherPodToken")
    void aPodsTokenUsedFromAnotherPodIsRefused(Row row) { check(row); }

    @Order(4) @ParameterizedTest(name = "{0}") @MethodSource("noRole")
    void aPodWithoutARoleIsRefused(Row row) { check(row); }

    @Order(5) @ParameterizedTest(name = "{0}") @MethodSource("forbiddenRole")
    void aRoleThePolicyForbidsIsRefused(Row row) { check(row); }

    @Order(6) @ParameterizedTest(name = "{0}") @MethodSource("ipReuse")
    void aNewPodOnAReusedIpGetsTheNewRoleNeverTheOld(Row row) { check(row); }

    @Order(7) @ParameterizedTest(name = "{0}") @MethodSource("slowloris")
    void aPodHoldingItsMostSlowConnectionsToBothAddressesStopsNoOtherPod(Row row) { check(row); }

    @Order(8) @ParameterizedTest(name = "{0}") @MethodSource("stopped")
    void withIamletStoppedPodsConnectionsAreRefused(Row row) { check(row); }

    @Order(9) @ParameterizedTest(name = "{0}") @MethodSource("restarted")
    void afterARestartClientsRecoverWithoutRestarting(Row row) { check(row); }

    /**
     * Issue 9: the pod's environment and token file come from the real webhook's mutation of a Deployment's pod
     * spec (AdmissionReview over HTTPS with the certificate the webhook made itself, JSON Patch applied), not from
     * the test's hand-written values; the SDK's default chain then gets the pod's own role.
     */
    @Test
    @Order(10)
    void aPodConfiguredOnlyByTheWebhooksMutationGetsItsOwnRole() {
        if (!iamlet.alive()) {
            startIamlet();
        }
        webhook = new WebhookCases(node, standIns, clients, requirements.launcher(), work);
        webhook.start();
        WebhookCases.Admitted admitted = webhook.admit("shop", "web");
        assertThat(admitted.webhookReached()).as(admitted.how()).isTrue();
        assertThat(admitted.environment()).containsKeys("AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        assertThat(admitted.environment().get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
                .isEqualTo(admitted.tokenFile().toString());

        var net = node.pod(6);
        var pod = standIns.addPod("shop", "webhooked-1", "web", net.ip(), Map.of());
        var answer = webhook.runSdk(net, admitted, pod.tokenFile());

        assertThat(answer.path("ok").asBoolean(false)).as("the SDK's answer: %s", answer).isTrue();
        // no keys, no profile, IMDS disabled: the container provider is the only one the chain can have used
        assertThat(standIns.issued(answer.path("accessKeyId").asString()))
                .hasValueSatisfying(issued -> assertThat(issued.role()).isEqualTo(Scenarios.WEB));
        preamble.add("webhook: shop/webhooked-1 configured by the webhook's patch only ("
                + admitted.environment().keySet().stream().filter(k -> k.startsWith("AWS_CONTAINER")).toList()
                + ", token at " + admitted.tokenFile() + ", audience " + admitted.projection().getAudience()
                + "); its Java SDK got " + Scenarios.WEB);
    }

    /**
     * Issue 9: with the webhook down (failure policy Ignore), a pod whose service account maps to a role is admitted
     * without the injection; iamlet sees it on its node and puts a Warning Event on it and counts it.
     */
    @Test
    @Order(11)
    void aPodCreatedWhileTheWebhookWasDownGetsAnEventAndCounts() {
        if (webhook == null) {
            webhook = new WebhookCases(node, standIns, clients, requirements.launcher(), work);
        }
        webhook.stop();
        double before = sample(standIns.httpBody("http://127.0.0.1:9876/metrics"), "iamlet_pods_missing_injection_total");
        WebhookCases.Admitted admitted = webhook.admit("shop", "web");
        assertThat(admitted.webhookReached()).as(admitted.how()).isFalse();
        assertThat(admitted.environment()).doesNotContainKey("AWS_CONTAINER_CREDENTIALS_FULL_URI");

        standIns.addPod("shop", "unwebhooked-1", "web", "10.231.7.2", Map.of());

        org.awaitility.Awaitility.await("a Warning Event on shop/unwebhooked-1").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1)).until(() -> webhook.events("shop").stream().anyMatch(e ->
                        "IamletInjectionMissing".equals(e.path("reason").asString())
                                && "unwebhooked-1".equals(e.path("involvedObject").path("name").asString())));
        var event = webhook.events("shop").stream().filter(e -> "unwebhooked-1".equals(
                e.path("involvedObject").path("name").asString())).findFirst().orElseThrow();
        assertThat(event.path("type").asString()).isEqualTo("Warning");
        assertThat(event.path("message").asString()).contains("container app", "restart the pod");
        String metrics = standIns.httpBody("http://127.0.0.1:9876/metrics");
        assertThat(sample(metrics, "iamlet_pods_missing_injection_total")).isGreaterThan(before);
        preamble.add("webhook down: shop/unwebhooked-1 admitted without injection; Event '"
                + event.path("message").asString() + "'; iamlet_pods_missing_injection_total "
                + sample(metrics, "iamlet_pods_missing_injection_total") + ", iamlet_pods_running_without_injection "
                + sample(metrics, "iamlet_pods_running_without_injection"));
    }

    /** The value of an untagged sample ({@code name value}); 0 when absent. */
    private static double sample(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }

    /**
     * Issue 11, port 80 taken on the host network: a process holds 0.0.0.0:80 in the node namespace (an ingress
     * controller's hostNetwork port), so iamlet listens on 169.254.170.23:2702 and node-setup's
     * {@code --container-port 2702} redirects port 80 of the container addresses there. Pods keep their unmodified
     * {@code AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials}: their SDKs get their own
     * roles, and the process on port 80 never sees a connection (nor a token). Then back to port 80 for the rest.
     */
    @Test
    @Order(12)
    void withPort80TakenOnTheNodeTheProxyPortModeStillServesPodsAndTheSquatterSeesNothing() throws Exception {
        if (iamlet.alive()) {
            stopIamlet();
        }
        Path squatterSaw = work.resolve("out/port80-squatter.txt");
        Files.writeString(squatterSaw, "");
        String script = "import socket,sys\n"
                + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind(('0.0.0.0', 80)); s.listen(64); print('listening', flush=True)\n"
                + "while True:\n"
                + "    c, _ = s.accept(); d = c.recv(4096); c.close()\n"
                + "    open(sys.argv[1], 'a').write(repr(d) + '\\n')\n";
        Process squatter = new ProcessBuilder(node.inNode(List.of(requirements.python(), "-c", script,
                squatterSaw.toString()))).redirectErrorStream(true).start();
        try {
            String first = new java.io.BufferedReader(new java.io.InputStreamReader(squatter.getInputStream()))
                    .readLine();
            assertThat(first).as("a process holding 0.0.0.0:80 in the node namespace").isEqualTo("listening");
            String setup = runNodeSetup("--container-port", "2702");
            String nat = Shell.run(node.inNode(List.of("iptables", "-w", "5", "-t", "nat", "-S")), null,
                    Duration.ofSeconds(30)).out();
            assertThat(nat).contains("-A IAMLET-CONTAINER -d 169.254.170.23/32 -p tcp -m tcp --dport 80")
                    .contains("--to-destination 169.254.170.23:2702");
            startIamlet(List.of("--container-listen", "169.254.170.23:2702,[fd00:ec2::23]:2702"));

            var pod = node.pod(1);
            var token = standIns.pod("shop", "web-1").tokenFile();
            List<String> served = new ArrayList<>();
            for (Matrix.Client client : List.of(Matrix.Client.JAVA, Matrix.Client.PYTHON,
                    Matrix.Client.JS)) {
                PodClients.Outcome outcome = clients.credentials(client, Matrix.Path.CONTAINER, pod, token);
                assertThat(outcome.ok()).as("%s through the proxy port: %s", client, outcome.brief()).isTrue();
                assertThat(standIns.issued(outcome.accessKeyId()))
                        .hasValueSatisfying(issued -> assertThat(issued.role()).isEqualTo(Scenarios.WEB));
                served.add(client + " " + outcome.took().toMillis() + " ms");
            }
            assertThat(Files.readString(squatterSaw)).as("what the process on port 80 received").isEmpty();
            preamble.add("port 80 taken (a process on 0.0.0.0:80 in the node namespace): " + setup
                    + "; iamlet on 169.254.170.23:2702; shop/web-1 got " + Scenarios.WEB + " from "
                    + String.join(", ", served) + "; the process on port 80 received nothing");
        } finally {
            squatter.destroyForcibly().waitFor();
            if (iamlet.alive()) {
                stopIamlet();
            }
            runNodeSetup("--container-port", "80");
            startIamlet();
        }
        String nat = Shell.run(node.inNode(List.of("iptables", "-w", "5", "-t", "nat", "-S")), null,
                Duration.ofSeconds(30)).out();
        assertThat(nat).as("back to port 80: the redirect is gone").doesNotContain("IAMLET-CONTAINER");
    }

    private String runNodeSetup(String... extra) {
        List<String> argv = new ArrayList<>(List.of(requirements.launcher().toString(), "node-setup",
                "--host-ip", SimulatedNode.HOST_IP, "--pod-interface", "eni+"));
        argv.addAll(List.of(extra));
        Shell.Result setup = Shell.run(node.inNode(argv), Map.of("PATH", Shell.PATH, "IAMLET_LOG_FORMAT", "text"),
                Duration.ofSeconds(120));
        assertThat(setup.exit()).as("iamlet node-setup %s: %s", List.of(extra), setup.describe()).isZero();
        return "node-setup " + String.join(" ", extra) + " in " + setup.took().toMillis() + " ms";
    }

    @Test
    @Order(13)
    void neitherIamletNorTheStandInsLoggedAPodTokenOrASessionToken() throws IOException {
        List<String> signatures = new ArrayList<>();
        try (Stream<Path> tokens = Files.list(work.resolve("out/tokens"))) {
            for (Path token : tokens.toList()) {
                String jwt = Files.readString(token);
                signatures.add(jwt.substring(jwt.lastIndexOf('.') + 1));
            }
        }
        assertThat(signatures).isNotEmpty();
        for (String log : List.of("iamlet.log", "stand-ins.log")) {
            String text = Files.readString(work.resolve("logs").resolve(log));
            assertThat(text).as(log).isNotEmpty()
                    .doesNotContain("IQoJb3JpZ2luX2Vj") // how every FakeSts session token begins
                    .doesNotContain("SecretAccessKey\":\"");
            signatures.forEach(sig -> assertThat(text).as(log + " holds a pod's token").doesNotContain(sig));
        }
    }

    private void check(Row row) {
        Map<Row, Verdict> batch = batches.computeIfAbsent(row.scenario(), scenario -> {
            Map<Row, Verdict> verdicts = scenarios.run(scenario);
            verdicts.forEach(matrix::record);
            return verdicts;
        });
        Verdict verdict = batch.get(row);
        assertThat(verdict).as("no verdict for %s", row).isNotNull();
        assertThat(verdict.passed()).as("%s: %s", row, verdict.detail()).isTrue();
    }

    @AfterAll
    void stopNode() {
        try {
            if (node != null) {
                String table = matrix.table(Duration.ofNanos(System.nanoTime() - began), preamble);
                // failsafe keeps System.out in a report file; the native stderr reaches the build's console (CI log)
                var console = new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                        java.nio.charset.StandardCharsets.UTF_8);
                console.println(table);
                System.out.println(table);
                Files.writeString(work.resolve("summary.txt"), table + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            cleanUp();
            if (cleanupHook != null) {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            }
        }
    }

    /** Stops every process and deletes every namespace; safe to call twice (the shutdown hook may too). */
    private synchronized void cleanUp() {
        for (AutoCloseable c : new AutoCloseable[] {scenarios, webhook, clients, iamlet, standIns, node}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
