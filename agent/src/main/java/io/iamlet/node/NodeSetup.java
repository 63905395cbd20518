package io.iamlet.node;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code iamlet node-setup}: what the DaemonSet's init container runs on the host network namespace (root,
 * NET_ADMIN + NET_RAW). Creates the container-endpoint link with its addresses, then installs the metadata
 * redirect (or removes it when {@code --metadata-port 0}, so the node converges to what the flags say), and the
 * proxy-port redirect of the container addresses when {@code --container-port} is not 80 (removed otherwise).
 *
 * <p>Safe to run again and again: each step reads the current state first and changes only what differs.
 * Binaries are located and settings validated before the first command runs.
 */
public final class NodeSetup {

    private static final Logger log = LoggerFactory.getLogger(NodeSetup.class);

    private final CommandRunner runner;
    private final Tools tools;

    NodeSetup(CommandRunner runner, Tools tools) {
        this.runner = runner;
        this.tools = tools;
    }

    /**
     * Applies {@code settings} to this host with the binaries found on {@code PATH}.
     *
     * @throws NodeCommandException when a binary is missing or a command fails (the CLI exits non-zero)
     */
    public static NodeSetupResult run(NodeSetupSettings settings) {
        return new NodeSetup(new ProcessCommandRunner(), Tools.discover()).apply(settings);
    }

    private static List<InetAddress> family(List<InetAddress> addresses, boolean v6) {
        return addresses.stream().filter(a -> (a instanceof Inet6Address) == v6).toList();
    }

    NodeSetupResult apply(NodeSetupSettings settings) {
        boolean proxyPort = settings.containerPort() != ContainerPortRedirect.DEFAULT_PORT;
        if (settings.metadataPort() > 0 || proxyPort) {
            tools.requireIptables(); // fail before touching anything
        }
        ContainerLink.Outcome link = new ContainerLink(runner, tools.ip())
                .ensure(settings.linkName(), settings.containerAddresses());
        List<String> warnings = new ArrayList<>(link.warnings());
        List<InetAddress> v6 = family(link.usable(), true);
        if (proxyPort && !v6.isEmpty() && tools.ip6tables().isEmpty()) {
            // a pod's IPv6 request would reach whatever holds port 80, token and all: write nothing
            throw new NodeCommandException("--container-port " + settings.containerPort() + " needs ip6tables to "
                    + "redirect port 80 of " + v6.stream().map(NetUtil::toAddressString).toList() + " (none found "
                    + "beside " + tools.requireIptables() + "); install it or leave the IPv6 address out of "
                    + "--container-address");
        }
        List<String> changed = new ArrayList<>();
        if (tools.iptables().isPresent()) {
            if (settings.metadataPort() == 0) {
                log.warn("--metadata-port is 0: pods' instance-metadata traffic is not redirected to iamlet; "
                        + "removing any earlier redirect");
            }
            changed.addAll(new NatChains(runner, tools.requireIptables(), tools.requireIptablesRestore()).apply(List.of(
                    MetadataRedirect.chain(settings.podInterfaces(), settings.hostIp(), settings.metadataPort()),
                    ContainerPortRedirect.chain(family(link.usable(), false), settings.containerPort()))));
        }
        if (tools.ip6tables().isPresent() && (proxyPort || !v6.isEmpty())) {
            NatChains ip6 = new NatChains(runner, tools.ip6tables().get(), tools.ip6tablesRestore().orElseThrow());
            try {
                changed.addAll(ip6.apply(List.of(ContainerPortRedirect.chain(v6, settings.containerPort()))));
            } catch (NodeCommandException e) {
                if (proxyPort && !v6.isEmpty()) {
                    throw e; // a pod's IPv6 request would reach whatever holds port 80, token and all
                }
                warnings.add("IPv6 nat table not readable (" + e.getMessage().lines().findFirst().orElse("") + ")");
                log.warn(warnings.getLast());
            }
        }
        boolean redirectChanged = !changed.isEmpty();
        if (redirectChanged) {
            log.atInfo().setMessage("iptables rules written").addKeyValue("chains", changed)
                    .addKeyValue("podInterfaces", settings.podInterfaces())
                    .addKeyValue("metadataTarget", settings.metadataPort() == 0 ? null
                            : settings.hostIp().orElseThrow().getHostAddress() + ":" + settings.metadataPort())
                    .addKeyValue("containerPort", settings.containerPort()).log();
        } else if (tools.iptables().isPresent()) {
            log.info("iptables rules already in place");
        }
        NodeSetupResult result = new NodeSetupResult(link.kind().name().toLowerCase(Locale.ROOT), link.added(),
                redirectChanged, warnings);
        log.atInfo().setMessage("node set-up done").addKeyValue("link", settings.linkName())
                .addKeyValue("linkType", result.linkType())
                .addKeyValue("addressesAdded", result.addressesAdded().size())
                .addKeyValue("redirectChanged", redirectChanged)
                .addKeyValue("warnings", result.warnings().size()).log();
        return result;
    }
}
