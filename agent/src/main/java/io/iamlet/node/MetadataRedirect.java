package io.iamlet.node;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redirect of pods' instance-metadata traffic (TCP to 169.254.169.254:80) to iamlet's metadata listener on the
 * node's IP, in the {@code nat} table:
 *
 * <pre>
 * -A PREROUTING -m comment --comment iamlet -j IAMLET-PREROUTING          (inserted first in PREROUTING)
 * -A IAMLET-PREROUTING -d 169.254.169.254/32 -i eni+ -p tcp -m tcp --dport 80 -m comment --comment iamlet
 *    -j DNAT --to-destination HOST_IP:8181                                 (one per pod interface pattern)
 * </pre>
 *
 * <p>Invariants and why:
 * <ul>
 *   <li>The rules stay when iamlet stops. With the agent down a pod's connection is refused by the node instead of
 *       reaching the real IMDS and the node's credentials: fail closed. Only {@code node-teardown} removes them.</li>
 *   <li>Our own chain, written with one {@code iptables-restore --noflush} transaction (declaring the chain flushes
 *       it), so a change of pod interfaces or port is applied atomically, with no moment where pods reach the
 *       real IMDS, and teardown removes exactly what is ours (the chain and the jumps to it) and nothing else.</li>
 *   <li>Idempotent: the table is read first; if our chain already holds exactly the wanted rules and one jump
 *       exists, nothing is written. Duplicate jumps (from older, racing runs) are reduced to one.</li>
 *   <li>Only PREROUTING/DNAT: the target is the node's own address, so the packet goes to INPUT like any
 *       packet for the node; no FORWARD rule is involved and {@code route_localnet} is not needed (that would only
 *       be for a 127.0.0.0/8 target, and it would expose the node's loopback services to pods).</li>
 *   <li>Host-network pods never pass a pod interface's PREROUTING (their packets are the node's own, in OUTPUT),
 *       so they are not redirected: the node's IMDS hop limit of 1 and IMDSv2 keep them from node credentials.</li>
 * </ul>
 */
final class MetadataRedirect {

    private static final Logger log = LoggerFactory.getLogger(MetadataRedirect.class);

    static final String CHAIN = "IAMLET-PREROUTING";
    static final String COMMENT = "iamlet";
    static final String METADATA_ADDRESS = "169.254.169.254/32";
    /** The jump as {@code iptables -S} prints it; rules are written in the same canonical form to compare. */
    static final String JUMP = "-A PREROUTING -m comment --comment " + COMMENT + " -j " + CHAIN;
    private static final String JUMP_SPEC = JUMP.substring("-A PREROUTING ".length());
    private static final String LOCK_WAIT_SECONDS = "5";

    private final CommandRunner runner;
    private final Tools tools;

    MetadataRedirect(CommandRunner runner, Tools tools) {
        this.runner = runner;
        this.tools = tools;
    }

    /** The rules of our chain, in {@code iptables -S} form. */
    static List<String> rules(List<String> podInterfaces, Inet4Address hostIp, int port) {
        List<String> rules = new ArrayList<>();
        for (String pattern : podInterfaces) {
            rules.add("-A " + CHAIN + " -d " + METADATA_ADDRESS + " -i " + pattern + " -p tcp -m tcp --dport 80"
                    + " -m comment --comment " + COMMENT + " -j DNAT --to-destination " + hostIp.getHostAddress() + ":"
                    + port);
        }
        return List.copyOf(rules);
    }

    /** Installs or updates the redirect. Returns false if it was already exactly in place (nothing written). */
    boolean install(List<String> podInterfaces, Inet4Address hostIp, int port) {
        List<String> wanted = rules(podInterfaces, hostIp, port);
        NatTable table = read();
        if (table.jumps() == 1 && table.chainRules().equals(wanted)) {
            log.atInfo().setMessage("metadata redirect already in place").addKeyValue("chain", CHAIN)
                    .addKeyValue("rules", wanted.size()).log();
            return false;
        }
        StringBuilder script = new StringBuilder("*nat\n:" + CHAIN + " - [0:0]\n");
        wanted.forEach(rule -> script.append(rule).append('\n'));
        if (table.jumps() == 0) {
            script.append("-I PREROUTING 1 ").append(JUMP_SPEC).append('\n');
        }
        for (int i = 1; i < table.jumps(); i++) {
            script.append("-D PREROUTING ").append(JUMP_SPEC).append('\n');
        }
        restore(script.append("COMMIT\n").toString());
        log.atInfo().setMessage("metadata redirect installed").addKeyValue("chain", CHAIN)
                .addKeyValue("podInterfaces", podInterfaces)
                .addKeyValue("target", hostIp.getHostAddress() + ":" + port).log();
        return true;
    }

    /** Removes our chain and every jump to it. Returns false when there was nothing of ours. */
    boolean remove() {
        NatTable table = read();
        if (!table.chainExists() && table.jumps() == 0) {
            log.atInfo().setMessage("no metadata redirect to remove").addKeyValue("chain", CHAIN).log();
            return false;
        }
        StringBuilder script = new StringBuilder("*nat\n:" + CHAIN + " - [0:0]\n");
        for (int i = 0; i < table.jumps(); i++) {
            script.append("-D PREROUTING ").append(JUMP_SPEC).append('\n');
        }
        script.append("-X ").append(CHAIN).append('\n').append("COMMIT\n");
        restore(script.toString());
        log.atInfo().setMessage("metadata redirect removed").addKeyValue("chain", CHAIN).log();
        return true;
    }

    private NatTable read() {
        List<String> argv = List.of(tools.requireIptables(), "-w", LOCK_WAIT_SECONDS, "-t", "nat", "-S");
        CommandRunner.Result result = runner.run(argv);
        if (!result.ok()) {
            throw NodeCommandException.failed(argv, result);
        }
        return NatTable.parse(result.stdout());
    }

    private void restore(String script) {
        List<String> argv = List.of(tools.requireIptablesRestore(), "-w", LOCK_WAIT_SECONDS, "--noflush");
        CommandRunner.Result result = runner.run(argv, script);
        if (!result.ok()) {
            throw new NodeCommandException("command failed (exit " + result.exitCode() + "): " + String.join(" ", argv)
                    + " with input:\n" + script + result.stderr().strip());
        }
    }

    /** What {@code iptables -t nat -S} shows of ours. */
    record NatTable(boolean chainExists, int jumps, List<String> chainRules) {
        static NatTable parse(String listing) {
            boolean exists = false;
            int jumps = 0;
            List<String> rules = new ArrayList<>();
            for (String raw : listing.split("\n")) {
                String line = raw.strip();
                if (line.equals("-N " + CHAIN)) {
                    exists = true;
                } else if (line.equals(JUMP)) {
                    jumps++;
                } else if (line.startsWith("-A " + CHAIN + " ")) {
                    rules.add(line);
                }
            }
            return new NatTable(exists, jumps, List.copyOf(rules));
        }
    }
}
