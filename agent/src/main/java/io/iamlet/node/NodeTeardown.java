package io.iamlet.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code iamlet node-teardown}: undoes {@link NodeSetup} on uninstall. Removes the metadata redirect first (so pods
 * reach the real instance metadata again only once iamlet is really gone, which is what uninstalling means) and
 * then the container-endpoint link. Removes only what is iamlet's: the {@code IAMLET-PREROUTING} chain, the
 * jumps to it, and the named link. Idempotent: a second run finds nothing and succeeds.
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
        boolean rules = new MetadataRedirect(runner, tools).remove();
        boolean link = new ContainerLink(runner, tools.ip()).remove(linkName);
        log.atInfo().setMessage("node teardown done").addKeyValue("link", linkName).addKeyValue("linkRemoved", link)
                .addKeyValue("redirectRemoved", rules).log();
        return rules || link;
    }
}
