package io.iamlet.node;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link that carries the container-endpoint addresses (169.254.170.23/32, fd00:ec2::23/128) so the agent can
 * bind them on the host network. Pods reach them through their default route to the node; the node delivers
 * locally because the address is its own, whatever link holds it.
 *
 * <p>Invariants: every step is idempotent (an existing link is reused, present addresses are not re-added);
 * IPv6 is best effort (a node without IPv6 gets a warning, not a crash loop: EKS Pod Identity Agent #16).
 * IPv6 addresses are added with {@code nodad}: on an empty bridge (the fallback when the kernel has no
 * {@code dummy} type) duplicate address detection never completes, the address stays "tentative" and cannot be
 * bound.
 */
final class ContainerLink {

    private static final Logger log = LoggerFactory.getLogger(ContainerLink.class);

    /** How the link came to be. */
    enum Kind { DUMMY, BRIDGE, EXISTING }

    /** What {@link #ensure} did; {@code usable}: the addresses the link now holds in a bindable state. */
    record Outcome(Kind kind, List<InetAddress> added, List<InetAddress> usable, List<String> warnings) {}

    private final CommandRunner runner;
    private final String ip;

    ContainerLink(CommandRunner runner, String ip) {
        this.runner = runner;
        this.ip = ip;
    }

    Outcome ensure(String link, List<InetAddress> addresses) {
        Kind kind = exists(link) ? Kind.EXISTING : create(link);
        mustSucceed(List.of(ip, "link", "set", "dev", link, "up"));
        Map<InetAddress, Boolean> present = presentAddresses(link);
        List<InetAddress> added = new ArrayList<>();
        List<InetAddress> usableNow = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (InetAddress address : addresses) {
            boolean v6 = address instanceof Inet6Address;
            String cidr = NetUtil.toAddressString(address) + (v6 ? "/128" : "/32");
            Boolean usable = present.get(address);
            if (Boolean.TRUE.equals(usable)) {
                log.atDebug().setMessage("address already present").addKeyValue("link", link)
                        .addKeyValue("address", cidr).log();
                usableNow.add(address);
                continue;
            }
            // A tentative/dadfailed IPv6 address (added earlier without nodad) is replaced in place.
            String verb = usable == null ? "add" : "replace";
            List<String> argv = v6
                    ? List.of(ip, "addr", verb, cidr, "dev", link, "nodad")
                    : List.of(ip, "addr", verb, cidr, "dev", link);
            CommandRunner.Result result = runner.run(argv);
            if (result.ok()) {
                added.add(address);
                usableNow.add(address);
                log.atInfo().setMessage("address {}").addArgument(verb.equals("add") ? "added" : "made usable")
                        .addKeyValue("link", link).addKeyValue("address", cidr).log();
            } else if (v6) {
                String warning = "IPv6 address " + cidr + " not added to " + link + " (IPv6 disabled or unavailable on "
                        + "this node?): " + result.stderr().strip();
                warnings.add(warning);
                log.warn(warning);
            } else {
                throw NodeCommandException.failed(argv, result);
            }
        }
        return new Outcome(kind, List.copyOf(added), List.copyOf(usableNow), List.copyOf(warnings));
    }

    /** Deletes the link (and with it its addresses). Returns false when there was none. */
    boolean remove(String link) {
        if (!exists(link)) {
            log.atInfo().setMessage("link absent, nothing to remove").addKeyValue("link", link).log();
            return false;
        }
        mustSucceed(List.of(ip, "link", "del", "dev", link));
        log.atInfo().setMessage("link removed").addKeyValue("link", link).log();
        return true;
    }

    private boolean exists(String link) {
        List<String> argv = List.of(ip, "-o", "link", "show", "dev", link);
        CommandRunner.Result result = runner.run(argv);
        if (result.ok()) {
            return true;
        }
        if (result.stderr().contains("does not exist")) {
            return false;
        }
        throw NodeCommandException.failed(argv, result);
    }

    /** A dummy link when the kernel has the type, otherwise an empty bridge, which holds addresses just as well. */
    private Kind create(String link) {
        CommandRunner.Result dummy = runner.run(List.of(ip, "link", "add", link, "type", "dummy"));
        if (dummy.ok()) {
            log.atInfo().setMessage("link created").addKeyValue("link", link).addKeyValue("type", "dummy").log();
            return Kind.DUMMY;
        }
        List<String> bridgeArgv = List.of(ip, "link", "add", link, "type", "bridge");
        CommandRunner.Result bridge = runner.run(bridgeArgv);
        if (!bridge.ok()) {
            throw new NodeCommandException("cannot create link " + link + ": as dummy: " + dummy.stderr().strip()
                    + "; as bridge: " + bridge.stderr().strip());
        }
        log.atInfo().setMessage("link created as an empty bridge (no dummy link type: {})")
                .addArgument(dummy.stderr().strip()).addKeyValue("link", link).addKeyValue("type", "bridge").log();
        return Kind.BRIDGE;
    }

    /** Addresses on the link, each mapped to whether it is usable (false: IPv6 still tentative or DAD failed). */
    private Map<InetAddress, Boolean> presentAddresses(String link) {
        String out = mustSucceed(List.of(ip, "-o", "addr", "show", "dev", link)).stdout();
        Map<InetAddress, Boolean> present = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] tokens = line.trim().split("\\s+");
            for (int i = 0; i + 1 < tokens.length; i++) {
                if (tokens[i].equals("inet") || tokens[i].equals("inet6")) {
                    String literal = tokens[i + 1].split("/", 2)[0];
                    boolean usable = !line.contains(" tentative") && !line.contains(" dadfailed");
                    present.put(InetAddress.ofLiteral(literal), usable);
                    break;
                }
            }
        }
        return present;
    }

    private CommandRunner.Result mustSucceed(List<String> argv) {
        CommandRunner.Result result = runner.run(argv);
        if (!result.ok()) {
            throw NodeCommandException.failed(argv, result);
        }
        return result;
    }
}
