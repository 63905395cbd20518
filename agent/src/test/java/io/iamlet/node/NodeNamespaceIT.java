package io.iamlet.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real set-up and teardown, run by the real {@link ProcessCommandRunner} inside network namespaces this test
 * creates: a "node" namespace and a "pod" namespace joined by a veth pair (node side {@code eniit0}, matched by
 * the {@code eni+} pattern; 10.200.0.1/30 and 10.200.0.2/30, which exist only in these namespaces; the IPv6 case
 * adds fd00:200::1/64 and fd00:200::2/64). The node namespace has no route out: nothing here can reach a real
 * network, let alone a real 169.254.169.254.
 *
 * <p>Needs root, {@code ip}, {@code iptables}, {@code ip6tables}, {@code bash} and {@code python3}. When a namespace
 * cannot be created the tests FAIL; to skip them on purpose (a machine without root) pass
 * {@code -Diamlet.netns.tests=false}. The IPv6 case is skipped when the namespaces have IPv6 disabled.
 */
class NodeNamespaceIT {

    static final String ENABLED = "iamlet.netns.tests";
    static final String NODE_IP = "10.200.0.1";
    static final String NODE_IP6 = "fd00:200::1";
    static final String JUMP = MetadataRedirect.chain(List.of("eni+"), Optional.empty(), 0).jump("PREROUTING");
    static final String DNAT = "-A IAMLET-PREROUTING -d 169.254.169.254/32 -i eni+ -p tcp -m tcp --dport 80 "
            + "-m comment --comment iamlet -j DNAT --to-destination 10.200.0.1:8181";
    static final String FOREIGN = "-A PREROUTING -p tcp -m tcp --dport 9999 -j DNAT --to-destination 10.200.0.1:9";

    Tools tools;
    final ProcessCommandRunner host = new ProcessCommandRunner(List.of(), Duration.ofSeconds(30));
    final List<String> namespaces = new ArrayList<>();
    String node;
    String pod;
    ProcessCommandRunner inNode;

    @BeforeAll
    static void enabled() {
        assumeFalse("false".equals(System.getProperty(ENABLED)), "network namespace tests disabled by -D" + ENABLED + "=false");
    }

    @BeforeEach
    void nodeAndPodNamespaces() {
        tools = Tools.discover();
        tools.requireIptables();
        String name = "iamlet-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt() | 0x10000000);
        node = createNamespace(name);
        pod = createNamespace(name + "-pod");
        inNode = new ProcessCommandRunner(List.of(tools.ip(), "netns", "exec", node), Duration.ofSeconds(30));
        must(tools.ip(), "-n", node, "link", "add", "eniit0", "type", "veth", "peer", "name", "eth0", "netns", pod);
        must(tools.ip(), "-n", node, "addr", "add", NODE_IP + "/30", "dev", "eniit0");
        must(tools.ip(), "-n", pod, "addr", "add", "10.200.0.2/30", "dev", "eth0");
        must(tools.ip(), "-n", node, "link", "set", "eniit0", "up");
        must(tools.ip(), "-n", pod, "link", "set", "eth0", "up");
        must(tools.ip(), "-n", pod, "route", "add", "default", "via", NODE_IP);
    }

    @AfterEach
    void deleteNamespaces() {
        // Deleting a namespace destroys its links and its iptables rules with it.
        namespaces.forEach(ns -> host.run(List.of("ip", "netns", "del", ns)));
    }

    /** The nf_tables and legacy backends present beside the discovered iptables (nodes run either). */
    static Stream<String> backends() {
        Path dir = Path.of(Tools.discover().requireIptables()).getParent();
        List<String> present = Stream.of("iptables-nft", "iptables-legacy")
                .filter(name -> Files.isExecutable(dir.resolve(name)) && Files.isExecutable(dir.resolve(name + "-restore")))
                .toList();
        assertThat(present).as("iptables-nft or iptables-legacy beside iptables").isNotEmpty();
        return present.stream();
    }

    /** {@code name} and, as {@link Tools#discover} pairs them, its IPv6 twin when present beside it. */
    void useBackend(String name) {
        Path dir = Path.of(tools.requireIptables()).getParent();
        Path v6 = dir.resolve("ip6" + name.substring(2));
        Path v6Restore = dir.resolve(v6.getFileName() + "-restore");
        boolean hasV6 = Files.isExecutable(v6) && Files.isExecutable(v6Restore);
        tools = new Tools(tools.ip(), Optional.of(dir.resolve(name).toString()),
                Optional.of(dir.resolve(name + "-restore").toString()),
                hasV6 ? Optional.of(v6.toString()) : Optional.empty(),
                hasV6 ? Optional.of(v6Restore.toString()) : Optional.empty());
    }

    NodeSetupResult setUp(int metadataPort) {
        return new NodeSetup(inNode, tools).apply(NodeSetupSettings.parse("iamlet0",
                NodeSetupSettings.DEFAULT_CONTAINER_ADDRESSES, List.of("eni+"), NODE_IP, metadataPort));
    }

    boolean tearDown() {
        return new NodeTeardown(inNode, tools).apply("iamlet0");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void setupTwiceGivesABoundableLinkAndExactlyOneRedirect(String backend) {
        useBackend(backend);
        NodeSetupResult first = setUp(8181);
        NodeSetupResult second = setUp(8181);

        assertThat(first.linkType()).isIn("dummy", "bridge");
        assertThat(first.redirectChanged()).isTrue();
        assertThat(second.linkType()).isEqualTo("existing");
        assertThat(second.addressesAdded()).isEmpty();
        assertThat(second.redirectChanged()).isFalse();
        assertThat(must(tools.ip(), "-n", node, "-o", "link", "show", "dev", "iamlet0")).contains(",UP");
        String addresses = must(tools.ip(), "-n", node, "-o", "addr", "show", "dev", "iamlet0");
        assertThat(addresses).containsOnlyOnce("inet 169.254.170.23/32");
        if (nodeHasIpv6()) {
            assertThat(addresses.lines().filter(l -> l.contains("inet6 fd00:ec2::23/128")))
                    .as("the IPv6 container address is usable, not stuck in duplicate address detection")
                    .singleElement().asString().doesNotContain("tentative");
            assertThat(first.warnings()).isEmpty();
        }
        // The node delivers the container endpoint locally, whatever link holds it.
        assertThat(must(tools.ip(), "-n", node, "route", "get", "169.254.170.23")).startsWith("local 169.254.170.23");
        assertThat(natRules()).containsOnlyOnce(JUMP).containsOnlyOnce(DNAT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void podConnectionToInstanceMetadataIsRefusedByTheNodeWhileNothingListens(String backend) {
        useBackend(backend);
        assertNodeHasNoRouteOut();
        assertThat(connectFromPod("169.254.169.254", 80, 1))
                .as("without the redirect the packet is dropped in the node namespace (control)")
                .doesNotContain("Connection refused");

        setUp(8181);

        long start = System.nanoTime();
        String refused = connectFromPod("169.254.169.254", 80, 10);
        assertThat(refused).contains("Connection refused");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        // Pods reach the container-endpoint address through the node as well (refused: no agent here).
        assertThat(connectFromPod("169.254.170.23", 80, 10)).contains("Connection refused");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void teardownRemovesExactlyOursAndCanRunTwice(String backend) {
        useBackend(backend);
        mustIn(node, tools.requireIptables(), "-w", "5", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "9999",
                "-j", "DNAT", "--to-destination", NODE_IP + ":9");
        setUp(8181);

        assertThat(tearDown()).isTrue();

        assertThat(natRules()).contains(FOREIGN).noneMatch(rule -> rule.toLowerCase().contains("iamlet"));
        CommandRunner.Result link = host.run(List.of(tools.ip(), "-n", node, "link", "show", "dev", "iamlet0"));
        assertThat(link.stderr()).contains("does not exist");
        assertThat(connectFromPod("169.254.169.254", 80, 1)).doesNotContain("Connection refused");
        assertThat(tearDown()).isFalse();
    }

    @Test
    void nodeWithoutIpv6GetsTheIpv4AddressAndAWarning() {
        mustIn(node, "/bin/sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; "
                + "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");

        NodeSetupResult result = setUp(8181);

        assertThat(result.warnings()).singleElement().asString().contains("fd00:ec2::23/128");
        assertThat(must(tools.ip(), "-n", node, "-o", "addr", "show", "dev", "iamlet0"))
                .contains("inet 169.254.170.23/32").doesNotContain("fd00:ec2::23");
        assertThat(natRules()).containsOnlyOnce(DNAT);
    }

    /**
     * Issue 11, port 80 taken: another process holds 0.0.0.0:80 on the node (an ingress controller on the host
     * network); with {@code --container-port 2702} a pod's connection to 169.254.170.23:80, and the node's own (a
     * host-network pod's), reach the listener on 169.254.170.23:2702 and never the other process. Back to port 80,
     * the redirect is gone and the other process gets the connection again.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void proxyPortSendsPodsPastTheProcessHoldingPort80(String backend) throws Exception {
        useBackend(backend);
        List<String> addresses = List.of("169.254.170.23/32");
        new NodeSetup(inNode, tools).apply(NodeSetupSettings.parse("iamlet0", addresses, List.of("eni+"), NODE_IP, 0,
                2702));

        assertPodsPassTheProcessOnPort80(addresses, "0.0.0.0", "169.254.170.23",
                "-A IAMLET-CONTAINER -d 169.254.170.23/32", "--to-destination 169.254.170.23:2702", this::natRules);
    }

    /**
     * The same over IPv6: the process holds [::]:80 (and with it 0.0.0.0:80, the kernel's default dual stack); a
     * pod's connection to [fd00:ec2::23]:80, and the node's own, reach the listener on [fd00:ec2::23]:2702 through
     * the ip6tables twin of the redirect and never the other process. Back to port 80, the other process gets the
     * pod's connection again.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void proxyPortSendsPodsPastTheProcessHoldingPort80OverIpv6(String backend) throws Exception {
        assumeTrue(nodeHasIpv6(), "IPv6 is disabled in this machine's network namespaces "
                + "(net.ipv6.conf.all.disable_ipv6 = 1): there is no IPv6 container address to redirect");
        useBackend(backend);
        assertThat(tools.ip6tables()).as("ip6tables twin of %s", backend).isPresent();
        // nodad, as node-setup adds fd00:ec2::23: a tentative address (duplicate address detection still running)
        // could be neither bound nor used as a source address, and the first connection would fail.
        must(tools.ip(), "-n", node, "addr", "add", NODE_IP6 + "/64", "dev", "eniit0", "nodad");
        must(tools.ip(), "-n", pod, "addr", "add", "fd00:200::2/64", "dev", "eth0", "nodad");
        must(tools.ip(), "-n", pod, "-6", "route", "add", "default", "via", NODE_IP6);
        List<String> addresses = NodeSetupSettings.DEFAULT_CONTAINER_ADDRESSES;
        NodeSetupResult result = new NodeSetup(inNode, tools).apply(NodeSetupSettings.parse("iamlet0", addresses,
                List.of("eni+"), NODE_IP, 0, 2702));
        assertThat(result.warnings()).isEmpty();

        assertPodsPassTheProcessOnPort80(addresses, "::", "fd00:ec2::23", "-A IAMLET-CONTAINER -d fd00:ec2::23/128",
                "--to-destination [fd00:ec2::23]:2702", this::ip6NatRules);
    }

    /**
     * With node-setup's redirect of {@code addresses} to port 2702 in place: a process holds {@code wildcard}:80, a
     * listener {@code address}:2702; a connection from the pod and one from the node to {@code address}:80 reach the
     * listener and never the process; {@code rules} holds the DNAT ({@code ruleStart} ... {@code target}). Back to
     * port 80, the rule is gone and the process gets the pod's connection again.
     */
    private void assertPodsPassTheProcessOnPort80(List<String> addresses, String wildcard, String address,
            String ruleStart, String target, Supplier<List<String>> rules) throws Exception {
        Path squatterSaw = Files.createTempFile("iamlet-squatter", ".txt");
        Path iamletSaw = Files.createTempFile("iamlet-proxied", ".txt");
        try (Listener squatter = listen(wildcard, 80, squatterSaw);
             Listener iamlet = listen(address, 2702, iamletSaw)) {
            assertThat(sendFromPod(address, 80, "from-pod")).isEmpty();
            assertThat(sendFromNode(address, 80, "from-node")).isEmpty();

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.readString(iamletSaw).contains("from-pod")
                            && Files.readString(iamletSaw).contains("from-node"));
            assertThat(Files.readString(squatterSaw)).as("the process on port 80 saw nothing").isEmpty();
            assertThat(rules.get()).anyMatch(rule -> rule.startsWith(ruleStart) && rule.endsWith(target));

            new NodeSetup(inNode, tools).apply(NodeSetupSettings.parse("iamlet0", addresses, List.of("eni+"),
                    NODE_IP, 0, 80));
            assertThat(rules.get()).noneMatch(rule -> rule.contains("IAMLET-CONTAINER"));
            assertThat(sendFromPod(address, 80, "after")).isEmpty();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.readString(squatterSaw).contains("after"));
        } finally {
            Files.deleteIfExists(squatterSaw);
            Files.deleteIfExists(iamletSaw);
        }
    }

    /** A TCP listener in the node namespace that appends what each connection sends to {@code saw}. */
    private Listener listen(String address, int port, Path saw) throws Exception {
        String script = "import socket,sys\n"
                + "s=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)\n"
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); print('listening', flush=True)\n"
                + "while True:\n"
                + "    c, _ = s.accept(); d = c.recv(100); c.close()\n"
                + "    open(sys.argv[3], 'a').write(d.decode())\n";
        Process process = new ProcessBuilder(tools.ip(), "netns", "exec", node, "python3", "-c", script, address,
                Integer.toString(port), saw.toString()).redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        String first = out.readLine();
        assertThat(first).as("listener on %s:%d", address, port).isEqualTo("listening");
        return new Listener(process);
    }

    record Listener(Process process) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }
    }

    /** Standard error of sending {@code text} over TCP from the pod namespace (empty when it was sent). */
    private String sendFromPod(String address, int port, String text) {
        return send(pod, address, port, text);
    }

    /** Standard error of sending {@code text} over TCP from the node namespace (a host-network pod). */
    private String sendFromNode(String address, int port, String text) {
        return send(node, address, port, text);
    }

    private String send(String namespace, String address, int port, String text) {
        return host.run(List.of(tools.ip(), "netns", "exec", namespace, "timeout", "10", "/bin/bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + port + "; printf " + text + " >&3")).stderr();
    }

    private String createNamespace(String name) {
        CommandRunner.Result result = host.run(List.of(tools.ip(), "netns", "add", name));
        if (!result.ok()) {
            throw new AssertionError("cannot create network namespace " + name + " (these tests need root): "
                    + result.stderr().strip() + "; pass -D" + ENABLED + "=false to skip them deliberately");
        }
        namespaces.add(name);
        must(tools.ip(), "-n", name, "link", "set", "lo", "up");
        return name;
    }

    private void assertNodeHasNoRouteOut() {
        assertThat(must(tools.ip(), "-n", node, "-4", "route", "show", "table", "all").lines()
                .filter(l -> !l.startsWith("local ") && !l.startsWith("broadcast ")))
                .as("the node namespace's only IPv4 route is the veth /30")
                .containsExactly("10.200.0.0/30 dev eniit0 proto kernel scope link src 10.200.0.1 ");
        assertThat(must(tools.ip(), "-n", node, "-6", "route", "show", "default")).isBlank();
    }

    /** Standard error of a TCP connect from the pod namespace (empty when it connected). */
    private String connectFromPod(String address, int port, int timeoutSeconds) {
        return host.run(List.of(tools.ip(), "netns", "exec", pod, "timeout", Integer.toString(timeoutSeconds),
                "/bin/bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + port)).stderr();
    }

    private boolean nodeHasIpv6() {
        CommandRunner.Result r = inNode.run(List.of("/bin/cat", "/proc/sys/net/ipv6/conf/all/disable_ipv6"));
        return r.ok() && r.stdout().strip().equals("0");
    }

    private List<String> natRules() {
        return mustIn(node, tools.requireIptables(), "-w", "5", "-t", "nat", "-S").lines().toList();
    }

    private List<String> ip6NatRules() {
        return mustIn(node, tools.ip6tables().orElseThrow(), "-w", "5", "-t", "nat", "-S").lines().toList();
    }

    /** Runs a command on the host (the test's own namespace) and returns its standard output. */
    private String must(String... argv) {
        return succeed(host, List.of(argv));
    }

    /** Runs a command inside {@code namespace} and returns its standard output. */
    private String mustIn(String namespace, String... argv) {
        return succeed(new ProcessCommandRunner(List.of(tools.ip(), "netns", "exec", namespace), Duration.ofSeconds(30)),
                List.of(argv));
    }

    private static String succeed(CommandRunner runner, List<String> argv) {
        CommandRunner.Result result = runner.run(argv);
        assertThat(result.exitCode()).as("%s: %s", argv, result.stderr()).isZero();
        return result.stdout();
    }
}
