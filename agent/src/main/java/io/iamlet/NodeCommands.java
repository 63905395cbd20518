package io.iamlet;

import io.iamlet.node.NodeCommandException;
import io.iamlet.node.NodeSetup;
import io.iamlet.node.NodeSetupResult;
import io.iamlet.node.NodeSetupSettings;
import io.iamlet.node.NodeTeardown;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The init container's {@code node-setup} and the uninstaller's {@code node-teardown}. */
final class NodeCommands {

    private static final Logger LOG = LoggerFactory.getLogger(NodeCommands.class);

    private NodeCommands() {
    }

    @Command(addMethodSubcommands = false, name = "node-setup", mixinStandardHelpOptions = true,
            description = "Prepare the node (run as the DaemonSet's init container, as root with NET_ADMIN and "
                    + "NET_RAW): a link holding the container endpoint's link-local addresses, and the iptables DNAT "
                    + "that sends pods' instance-metadata traffic to iamlet. Idempotent. Nothing removes it when "
                    + "iamlet stops, so pods then get a refused connection, never the node's credentials.")
    static final class Setup implements Callable<Integer> {

        @Option(names = "--link-name", paramLabel = "NAME", defaultValue = NodeSetupSettings.DEFAULT_LINK_NAME,
                description = "Link that holds the container endpoint's addresses (a dummy link, or an empty "
                        + "bridge where the kernel has no dummy type).")
        String linkName;

        @Option(names = "--container-address", split = ",", paramLabel = "CIDR",
                defaultValue = "169.254.170.23/32,fd00:ec2::23/128",
                description = "Addresses put on the link (/32 or /128 only). IPv6 unavailable is a warning.")
        List<String> containerAddresses = new ArrayList<>();

        @Option(names = "--pod-interface", split = ",", paramLabel = "PATTERN", defaultValue = "eni+",
                description = "iptables -i patterns of the pods' interfaces: eni+ (VPC CNI), cali+ (Calico), cni0 "
                        + "(bridge, flannel), lxc+ (Cilium without eBPF host routing).")
        List<String> podInterfaces = new ArrayList<>();

        @Option(names = "--host-ip", paramLabel = "IP",
                description = "This node's IP: target of the metadata DNAT (required when --metadata-port > 0).")
        String hostIp;

        @Option(names = "--metadata-port", paramLabel = "PORT", defaultValue = "8181",
                description = "Port of iamlet's metadata listener on the host IP. 0: no redirect (and an earlier "
                        + "one is removed).")
        int metadataPort;

        @Option(names = "--container-port", paramLabel = "PORT", defaultValue = "80",
                description = "Port of iamlet's container listener on the container addresses (serve's "
                        + "--container-listen). Not 80 (port 80 of the host network is taken, e.g. by an ingress "
                        + "controller): a DNAT sends pods' connections to port 80 of those addresses there "
                        + "(IPv6 too, with ip6tables). 80: no redirect (and an earlier one is removed).")
        int containerPort;

        @Override
        public Integer call() {
            NodeSetupSettings settings = NodeSetupSettings.parse(linkName, containerAddresses, podInterfaces, hostIp,
                    metadataPort, containerPort);
            try {
                NodeSetupResult result = NodeSetup.run(settings);
                result.warnings().forEach(w -> LOG.warn(w));
                LOG.atInfo().setMessage("node set up").addKeyValue("link", settings.linkName())
                        .addKeyValue("link_type", result.linkType())
                        .addKeyValue("addresses_added", result.addressesAdded().toString())
                        .addKeyValue("redirect_changed", result.redirectChanged()).log();
                return 0;
            } catch (NodeCommandException e) {
                LOG.error("node set-up failed: {}", e.getMessage());
                return 1;
            }
        }
    }

    @Command(addMethodSubcommands = false, name = "node-teardown", mixinStandardHelpOptions = true,
            description = "Undo node-setup for an uninstall: remove iamlet's iptables chain and its link. Pods then "
                    + "reach the real instance metadata service again.")
    static final class Teardown implements Callable<Integer> {

        @Option(names = "--link-name", paramLabel = "NAME", defaultValue = NodeSetupSettings.DEFAULT_LINK_NAME,
                description = "Link created by node-setup.")
        String linkName;

        @Override
        public Integer call() {
            try {
                boolean removed = NodeTeardown.run(linkName);
                LOG.info(removed ? "node torn down" : "nothing of iamlet's was left on this node");
                return 0;
            } catch (NodeCommandException e) {
                LOG.error("node teardown failed: {}", e.getMessage());
                return 1;
            }
        }
    }
}
