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

    /** iamlet's chains in both families, as the settings want them; returns the chains written. */
    private Written natChains(NodeSetupSettings settings, List<InetAddress> addresses, List<String> warnings) {
        boolean proxyPort = settings.containerPort() != ContainerPortRedirect.DEFAULT_PORT;
        List<String> changed = new ArrayList<>();
        if (tools.iptables().isPresent()) {
            if (settings.metadataPort() == 0) {
                log.warn("--metadata-port is 0: pods' instance-metadata traffic is not redirected to iamlet; "
                        + "removing any earlier redirect");
            }
            changed.addAll(new NatChains(runner, tools.requireIptables(), tools.requireIptablesRestore()).apply(List.of(
                    MetadataRedirect.chain(settings.podInterfaces(), settings.hostIp(), settings.metadataPort()),
                    ContainerPortRedirect.chain(family(addresses, false), settings.containerPort()))));
        }
        List<InetAddress> v6 = family(addresses, true);
        if (tools.ip6tables().isPresent()) {
            NatChains ip6 = new NatChains(runner, tools.ip6tables().get(), tools.ip6tablesRestore().orElseThrow());
            try {
                changed.addAll(ip6.apply(List.of(ContainerPortRedirect.chain(v6, settings.containerPort()))));
            } catch (NodeCommandException e) {
                warnings.add("IPv6 nat table not usable (" + e.getMessage().lines().findFirst().orElse("") + ")"
                        + (proxyPort && !v6.isEmpty() ? ": the IPv6 container address(es) are left out" : ""));
                log.warn(warnings.getLast());
                return new Written(changed, proxyPort && !v6.isEmpty());
            }
        }
        return new Written(changed, false);
    }

    /** The chains a run wrote, and whether the IPv6 redirect the proxy-port mode needs could not be written. */
    private record Written(List<String> chains, boolean ipv6Refused) {
    }

    private static List<InetAddress> family(List<InetAddress> addresses, boolean v6) {
        return addresses.stream().filter(a -> (a instanceof Inet6Address) == v6).toList();
    }

    NodeSetupResult apply(NodeSetupSettings settings) {
        boolean proxyPort = settings.containerPort() != ContainerPortRedirect.DEFAULT_PORT;
        if (settings.metadataPort() > 0 || proxyPort) {
            tools.requireIptables(); // fail before touching anything
        }
        List<String> warnings = new ArrayList<>();
        List<InetAddress> addresses = settings.containerAddresses();
        if (proxyPort && tools.ip6tables().isEmpty() && !family(addresses, true).isEmpty()) {
            // Without ip6tables nothing can redirect port 80 of an IPv6 container address, and a pod's IPv6
            // request would reach whatever holds that port, token and all: the address is left off the link.
            addresses = family(addresses, false);
            warnings.add("IPv6 container address(es) " + family(settings.containerAddresses(), true).stream()
                    .map(NetUtil::toAddressString).toList() + " left out: --container-port "
                    + settings.containerPort() + " needs ip6tables (none found beside " + tools.requireIptables()
                    + ") to redirect their port 80");
            log.warn(warnings.getLast());
        }
        List<String> changed = new ArrayList<>();
        if (proxyPort) {
            // The redirect goes in before any address is on the link: from the moment 169.254.170.23 exists,
            // port 80 leads to iamlet's port, never to the process holding port 80.
            Written written = natChains(settings, addresses, warnings);
            changed.addAll(written.chains());
            if (written.ipv6Refused()) {
                addresses = family(addresses, false);
            }
        }
        ContainerLink.Outcome link = new ContainerLink(runner, tools.ip()).ensure(settings.linkName(), addresses);
        warnings.addAll(link.warnings());
        if (!proxyPort) {
            changed.addAll(natChains(settings, addresses, warnings).chains());
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
