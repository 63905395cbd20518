package io.iamlet.node;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * The proxy-port mode: when port 80 of the host network is taken (an ingress controller on hostNetwork holds
 * 0.0.0.0:80, EKS Pod Identity Agent #10), iamlet listens on the container addresses at another port and this
 * redirect sends pods' connections to {@code 169.254.170.23:80} (and {@code [fd00:ec2::23]:80}) there, in the
 * {@code nat} table of each family:
 *
 * <pre>
 * -A PREROUTING -m comment --comment iamlet -j IAMLET-CONTAINER      (pods: packets arriving on any interface)
 * -A OUTPUT -m comment --comment iamlet -j IAMLET-CONTAINER          (host-network pods: the node's own packets)
 * -A IAMLET-CONTAINER -d 169.254.170.23/32 -p tcp -m tcp --dport 80 -m comment --comment iamlet
 *    -j DNAT --to-destination 169.254.170.23:PORT
 * </pre>
 *
 * <p>Why these rules: the destination is one of the node's own addresses, so the DNAT only changes the port and the
 * packet is delivered locally as before; no interface pattern is needed (unlike the metadata redirect, nothing else
 * on the node may answer at 169.254.170.23), so it works whatever the CNI. The process on port 80 never sees a
 * pod's token. Without the redirect a pod's request would reach whatever holds port 80: the rule is written in
 * the same transaction as the link's other rules and stays when iamlet stops (connections are then refused), and
 * the IPv6 rule is required whenever an IPv6 container address is on the link.
 */
final class ContainerPortRedirect {

    static final String CHAIN = "IAMLET-CONTAINER";
    static final int DEFAULT_PORT = 80;

    private ContainerPortRedirect() {
    }

    /**
     * The chain as wanted for the addresses of one family: a DNAT of port 80 to {@code port} for each, or no rules
     * (removed) when {@code port} is 80.
     */
    static NatChains.Chain chain(List<InetAddress> addresses, int port) {
        List<String> rules = port == DEFAULT_PORT ? List.of() : addresses.stream().map(address -> {
            boolean v6 = address instanceof Inet6Address;
            String literal = NetUtil.toAddressString(address);
            return "-A " + CHAIN + " -d " + literal + (v6 ? "/128" : "/32") + " -p tcp -m tcp --dport 80 -m comment"
                    + " --comment " + NatChains.COMMENT + " -j DNAT --to-destination "
                    + (v6 ? "[" + literal + "]" : literal) + ":" + port;
        }).toList();
        return new NatChains.Chain(CHAIN, List.of("PREROUTING", "OUTPUT"), rules);
    }
}
