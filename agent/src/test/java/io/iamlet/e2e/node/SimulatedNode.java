package io.iamlet.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node and its pods made of network namespaces: one "node" namespace and {@code n} "pod" namespaces, pod {@code i}
 * joined to the node by a veth pair, node side {@code eni<i>} (what the VPC CNI names them, matched by node-setup's
 * {@code eni+}) with 10.231.i.1/30, pod side {@code eth0} with 10.231.i.2/30 and its only route, the default, via
 * the node. The node's own address ({@link #HOST_IP}, status.hostIP) sits on its loopback. These addresses exist only
 * inside these namespaces; the node namespace has no interface but its loopback and the pods' veths, hence no route
 * out: nothing here can reach a real network, let alone the machine's real 169.254.169.254.
 *
 * <p>Names carry the creating JVM's pid, so a later run deletes what a killed run left behind (and only that).
 */
final class SimulatedNode implements AutoCloseable {

    static final String HOST_IP = "10.231.0.1";
    static final String PREFIX = "iamlet-e2e-";
    private static final Pattern LEFTOVER = Pattern.compile("^(" + PREFIX + "(\\d+)-\\S+)");

    /** One pod's namespace: its address and the node-side address it routes through. */
    record PodNet(int index, String netns, String ip, String gateway, String nodeLink) {
        /** {@code ip netns exec <pod> argv...} */
        List<String> exec(List<String> argv) {
            return Shell.concat(List.of("ip", "netns", "exec", netns), argv);
        }
    }

    private final String node;
    private final List<PodNet> pods = new ArrayList<>();
    private final List<String> created = new ArrayList<>();

    private SimulatedNode(String node) {
        this.node = node;
    }

    /** Creates the namespaces and links; fails loudly when network namespaces cannot be created. */
    static SimulatedNode create(int podCount) {
        removeLeftovers();
        String base = PREFIX + ProcessHandle.current().pid() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        SimulatedNode sim = new SimulatedNode(base + "-node");
        try {
            sim.build(base, podCount);
            return sim;
        } catch (RuntimeException | AssertionError e) {
            sim.close();
            throw e;
        }
    }

    private void build(String base, int podCount) {
        add(node);
        Shell.must("ip", "-n", node, "addr", "add", HOST_IP + "/32", "dev", "lo");
        for (int i = 1; i <= podCount; i++) {
            String pod = base + "-pod" + i;
            add(pod);
            PodNet net = new PodNet(i, pod, "10.231." + i + ".2", "10.231." + i + ".1", "eni" + i);
            Shell.must("ip", "-n", node, "link", "add", net.nodeLink(), "type", "veth", "peer", "name", "eth0",
                    "netns", pod);
            Shell.must("ip", "-n", node, "addr", "add", net.gateway() + "/30", "dev", net.nodeLink());
            Shell.must("ip", "-n", pod, "addr", "add", net.ip() + "/30", "dev", "eth0");
            Shell.must("ip", "-n", node, "link", "set", net.nodeLink(), "up");
            Shell.must("ip", "-n", pod, "link", "set", "eth0", "up");
            Shell.must("ip", "-n", pod, "route", "add", "default", "via", net.gateway());
            pods.add(net);
        }
    }

    private void add(String name) {
        Shell.Result r = Shell.run(Duration.ofSeconds(30), "ip", "netns", "add", name);
        if (!r.ok()) {
            throw new AssertionError("cannot create network namespace " + name + " (the node end-to-end test needs "
                    + "root and iproute2): " + r.err().strip() + "; pass -D" + NodeEndToEndIT.ENABLED
                    + "=false to skip it deliberately");
        }
        created.add(name);
        Shell.must("ip", "-n", name, "link", "set", "lo", "up");
    }

    String node() {
        return node;
    }

    List<PodNet> pods() {
        return List.copyOf(pods);
    }

    PodNet pod(int index) {
        return pods.get(index - 1);
    }

    /** {@code ip netns exec <node> argv...} */
    List<String> inNode(List<String> argv) {
        return Shell.concat(List.of("ip", "netns", "exec", node), argv);
    }

    /**
     * Asserts, before anything runs in them, that no packet can leave these namespaces: the node's routes are
     * exactly the pods' /30s (no default, no other link than the veths), each pod's only way is the node. Returns
     * the facts checked, for the report.
     */
    List<String> assertIsolated() {
        return assertIsolated(List.of());
    }

    /** {@link #assertIsolated()} once node-setup has added {@code setUpLinks} (a link that routes nowhere). */
    List<String> assertIsolated(List<String> setUpLinks) {
        List<String> facts = new ArrayList<>();
        List<String> links = Shell.must("ip", "-n", node, "-o", "link", "show").lines()
                .map(l -> l.split(": ")[1].replaceAll("@.*", "")).sorted().toList();
        List<String> expectedLinks = new ArrayList<>(pods.stream().map(PodNet::nodeLink).toList());
        expectedLinks.add("lo");
        expectedLinks.addAll(setUpLinks);
        assertThat(links).as("node namespace links").containsExactlyInAnyOrderElementsOf(expectedLinks);
        List<String> v4 = Shell.must("ip", "-n", node, "-4", "route", "show", "table", "all").lines()
                .filter(l -> !l.startsWith("local ") && !l.startsWith("broadcast ")).map(String::strip).toList();
        assertThat(v4).as("node namespace IPv4 routes: only the pods' /30s")
                .containsExactlyInAnyOrderElementsOf(pods.stream().map(p -> "10.231." + p.index() + ".0/30 dev "
                        + p.nodeLink() + " proto kernel scope link src " + p.gateway()).toList());
        assertThat(Shell.must("ip", "-n", node, "-6", "route", "show", "table", "all"))
                .as("node namespace IPv6 routes").doesNotContain("default");
        List<String> targets = setUpLinks.isEmpty() ? List.of("169.254.169.254", "169.254.170.23", "8.8.8.8")
                : List.of("169.254.169.254", "8.8.8.8"); // after set-up 169.254.170.23 is the node's own address
        for (String target : targets) {
            Shell.Result route = Shell.run(Duration.ofSeconds(10), "ip", "-n", node, "route", "get", target);
            assertThat(route.ok()).as("the node namespace has no route to %s: %s", target, route.describe()).isFalse();
            assertThat(route.err()).contains("unreachable");
        }
        facts.add("node namespace: links " + links + ", IPv4 routes only the pods' /30s, no IPv6 default, "
                + "'ip route get' " + String.join(" / ", targets) + ": Network is unreachable");
        for (PodNet p : pods) {
            assertThat(Shell.must("ip", "-n", p.netns(), "-4", "route", "show", "table", "main").lines()
                    .map(String::strip).toList()).as("pod %d routes", p.index()).containsExactlyInAnyOrder(
                    "default via " + p.gateway() + " dev eth0",
                    "10.231." + p.index() + ".0/30 dev eth0 proto kernel scope link src " + p.ip());
            assertThat(Shell.must("ip", "-n", p.netns(), "route", "get", "169.254.169.254"))
                    .as("pod %d reaches 169.254.169.254 only through the node", p.index())
                    .contains("via " + p.gateway() + " dev eth0");
        }
        facts.add(pods.size() + " pod namespaces: only route the default via their node-side veth address");
        return facts;
    }

    /** Deletes every namespace this instance created (their links and iptables rules go with them). */
    @Override
    public void close() {
        for (String name : created.reversed()) {
            killProcessesIn(name);
            Shell.run(Duration.ofSeconds(30), "ip", "netns", "del", name);
        }
        created.clear();
    }

    /** Namespaces of an earlier run whose JVM is gone (killed before it could clean up). */
    static void removeLeftovers() {
        for (String line : Shell.must("ip", "netns", "list").lines().toList()) {
            Matcher m = LEFTOVER.matcher(line);
            if (!m.find()) {
                continue;
            }
            boolean ownerAlive = ProcessHandle.of(Long.parseLong(m.group(2))).map(ProcessHandle::isAlive)
                    .orElse(false);
            if (!ownerAlive) {
                killProcessesIn(m.group(1));
                Shell.run(Duration.ofSeconds(30), "ip", "netns", "del", m.group(1));
            }
        }
    }

    /** Processes still inside one of our namespaces were started by this harness: end them by pid. */
    private static void killProcessesIn(String netns) {
        Shell.Result pids = Shell.run(Duration.ofSeconds(10), "ip", "netns", "pids", netns);
        pids.out().lines().map(String::strip).filter(s -> s.matches("\\d+"))
                .forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
    }
}
