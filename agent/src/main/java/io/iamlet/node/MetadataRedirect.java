package io.iamlet.node;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 *   <li>Our own chain, written by {@link NatChains} in one {@code iptables-restore --noflush} transaction
 *       (declaring the chain flushes it), so a change of pod interfaces or port is applied atomically, with no moment
 *       where pods reach the real IMDS, and teardown removes exactly what is ours (the chain and the jumps to it)
 *       and nothing else. Idempotent: nothing is written when the chain is already as wanted.</li>
 *   <li>Only PREROUTING/DNAT: the target is the node's own address, so the packet goes to INPUT like any
 *       packet for the node; no FORWARD rule is involved and {@code route_localnet} is not needed (that would only
 *       be for a 127.0.0.0/8 target, and it would expose the node's loopback services to pods).</li>
 *   <li>Host-network pods never pass a pod interface's PREROUTING (their packets are the node's own, in OUTPUT),
 *       so they are not redirected: the node's IMDS hop limit of 1 and IMDSv2 keep them from node credentials.</li>
 * </ul>
 */
final class MetadataRedirect {

    static final String CHAIN = "IAMLET-PREROUTING";
    static final String METADATA_ADDRESS = "169.254.169.254/32";

    private MetadataRedirect() {
    }

    /** The chain as wanted: the redirect for each pod interface pattern, or no rules (removed) when port is 0. */
    static NatChains.Chain chain(List<String> podInterfaces, Optional<Inet4Address> hostIp, int port) {
        return new NatChains.Chain(CHAIN, List.of("PREROUTING"),
                port == 0 ? List.of() : rules(podInterfaces, hostIp.orElseThrow(), port));
    }

    /** The rules of our chain, in {@code iptables -S} form. */
    static List<String> rules(List<String> podInterfaces, Inet4Address hostIp, int port) {
        List<String> rules = new ArrayList<>();
        for (String pattern : podInterfaces) {
            rules.add("-A " + CHAIN + " -d " + METADATA_ADDRESS + " -i " + pattern + " -p tcp -m tcp --dport 80"
                    + " -m comment --comment " + NatChains.COMMENT + " -j DNAT --to-destination "
                    + hostIp.getHostAddress() + ":" + port);
        }
        return List.copyOf(rules);
    }
}
