package io.iamlet.node;

import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code iamlet node-teardown}: undoes {@link NodeSetup} on uninstall. Removes the metadata redirect first (so pods
 * reach the real instance metadata again only once iamlet is really gone, which is what uninstalling means) and
 * then the container-endpoint link. Removes only what is iamlet's: the {@code IAMLET-PREROUTING} and
 * {@code IAMLET-CONTAINER} chains (IPv4, and IPv6 when ip6tables is there), the jumps to them, and the named link. Idempotent: a second run finds nothing and succeeds.
 */
public final class NodeTeardown {

    private static final Logger log = LoggerFactory.getLogger(NodeTeardown.class);

    private final CommandRunner runner;
    private final Tools tools;

    NodeTeardown(CommandRunner runner, Tools tools) {
        this.runner = runner;
        this.tools = tools;
    }

    /**
     * Removes iamlet's rules and the link {@code linkName} from this host.
     *
     * @return whether anything was removed
     * @throws IllegalArgumentException when {@code linkName} is not a valid interface name
     * @throws NodeCommandException     when {@code ip} or iptables is missing or a command fails
     */
    public static boolean run(String linkName) {
        NodeSetupSettings.validLinkName(linkName);
        return new NodeTeardown(new ProcessCommandRunner(), Tools.discover()).apply(linkName);
    }

    boolean apply(String linkName) {
        NodeSetupSettings.validLinkName(linkName);
        // iptables is required even if no rule may exist: silently leaving a redirect behind would break every
        // pod's instance-metadata access after uninstall (kube2iam #127).
        tools.requireIptables();
        // The metadata redirect goes first (pods reach the real IMDS again only once iamlet is gone); the proxy-port
        // redirect goes last, after the link: while 169.254.170.23 exists, its port 80 never leads to another process.
        NatChains ip4 = new NatChains(runner, tools.requireIptables(), tools.requireIptablesRestore());
        boolean rules = !ip4.apply(List.of(MetadataRedirect.chain(List.of(), Optional.empty(), 0))).isEmpty();
        boolean link = new ContainerLink(runner, tools.ip()).remove(linkName);
        NatChains.Chain noProxy = ContainerPortRedirect.chain(List.of(), ContainerPortRedirect.DEFAULT_PORT);
        rules |= !ip4.apply(List.of(noProxy)).isEmpty();
        if (tools.ip6tables().isPresent()) {
            try {
                rules |= !new NatChains(runner, tools.ip6tables().get(), tools.ip6tablesRestore().orElseThrow())
                        .apply(List.of(noProxy)).isEmpty();
            } catch (NodeCommandException e) {
                log.warn("IPv6 nat table not readable, nothing of iamlet's can be there: {}",
                        e.getMessage().lines().findFirst().orElse(""));
            }
        }
        log.atInfo().setMessage("node teardown done").addKeyValue("link", linkName).addKeyValue("linkRemoved", link)
                .addKeyValue("redirectRemoved", rules).log();
        return rules || link;
    }
}
