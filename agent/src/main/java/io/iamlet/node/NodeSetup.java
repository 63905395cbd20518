package io.iamlet.node;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code iamlet node-setup}: what the DaemonSet's init container runs on the host network namespace (root,
 * NET_ADMIN + NET_RAW). Creates the container-endpoint link with its addresses, then installs the metadata
 * redirect (or removes it when {@code --metadata-port 0}, so the node converges to what the flags say).
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

    NodeSetupResult apply(NodeSetupSettings settings) {
        if (settings.metadataPort() > 0) {
            tools.requireIptables(); // fail before touching anything
        }
        ContainerLink.Outcome link = new ContainerLink(runner, tools.ip())
                .ensure(settings.linkName(), settings.containerAddresses());
        boolean redirectChanged;
        MetadataRedirect redirect = new MetadataRedirect(runner, tools);
        if (settings.metadataPort() > 0) {
            redirectChanged = redirect.install(settings.podInterfaces(), settings.hostIp().orElseThrow(),
                    settings.metadataPort());
        } else if (tools.iptables().isPresent()) {
            log.warn("--metadata-port is 0: pods' instance-metadata traffic is not redirected to iamlet; "
                    + "removing any earlier redirect");
            redirectChanged = redirect.remove();
        } else {
            redirectChanged = false;
        }
        NodeSetupResult result = new NodeSetupResult(link.kind().name().toLowerCase(Locale.ROOT), link.added(),
                redirectChanged, link.warnings());
        log.atInfo().setMessage("node set-up done").addKeyValue("link", settings.linkName())
                .addKeyValue("linkType", result.linkType())
                .addKeyValue("addressesAdded", result.addressesAdded().size())
                .addKeyValue("redirectChanged", redirectChanged)
                .addKeyValue("warnings", result.warnings().size()).log();
        return result;
    }
}
