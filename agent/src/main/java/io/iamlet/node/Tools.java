package io.iamlet.node;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The host binaries node set-up needs, found on {@code PATH} before any command runs so that a missing one is a
 * clear start-up error rather than a half-applied configuration.
 *
 * <p>iptables: the first of {@code iptables} (whatever backend the image's alternatives selected),
 * {@code iptables-nft}, {@code iptables-legacy}; its restore companion must sit beside it. The backend should
 * match the one kube-proxy uses on the node (nf_tables on current distributions): rules of the other backend
 * still apply, but are invisible to the admin's {@code iptables-save}.
 *
 * @param ip              absolute path of {@code ip} (iproute2)
 * @param iptables        absolute path of the iptables command, if found
 * @param iptablesRestore absolute path of the matching {@code *-restore}, present whenever {@code iptables} is
 * @param ip6tables       the IPv6 twin of {@code iptables} (same backend: {@code ip6tables-nft} beside
 *                        {@code iptables-nft}), with its restore command; only the container-port redirect of IPv6
 *                        container addresses needs it
 */
record Tools(String ip, Optional<String> iptables, Optional<String> iptablesRestore,
             Optional<String> ip6tables, Optional<String> ip6tablesRestore) {

    Tools(String ip, Optional<String> iptables, Optional<String> iptablesRestore) {
        this(ip, iptables, iptablesRestore, Optional.empty(), Optional.empty());
    }

    private static final List<String> IPTABLES_CANDIDATES = List.of("iptables", "iptables-nft", "iptables-legacy");

    /** Finds the tools on the process's {@code PATH}. */
    static Tools discover() {
        return discover(System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    }

    /** Finds the tools on {@code path} (colon-separated). Throws if {@code ip} is missing. */
    static Tools discover(String path) {
        String ip = find("ip", path).orElseThrow(() -> new NodeCommandException(
                "'ip' (iproute2) not found on PATH " + path + "; the node-setup image must contain it"));
        for (String name : IPTABLES_CANDIDATES) {
            Optional<String> iptables = find(name, path);
            if (iptables.isPresent()) {
                Path restore = Path.of(iptables.get()).resolveSibling(name + "-restore");
                if (!Files.isExecutable(restore)) {
                    throw new NodeCommandException(iptables.get() + " found but " + restore + " is missing");
                }
                Path v6 = Path.of(iptables.get()).resolveSibling("ip6" + name.substring(2));
                Path v6Restore = v6.resolveSibling(v6.getFileName() + "-restore");
                boolean hasV6 = Files.isExecutable(v6) && Files.isExecutable(v6Restore);
                return new Tools(ip, iptables, Optional.of(restore.toString()),
                        hasV6 ? Optional.of(v6.toString()) : Optional.empty(),
                        hasV6 ? Optional.of(v6Restore.toString()) : Optional.empty());
            }
        }
        return new Tools(ip, Optional.empty(), Optional.empty());
    }

    /** The iptables command, or a clear error naming what was looked for. */
    String requireIptables() {
        return iptables.orElseThrow(() -> new NodeCommandException(
                "none of " + IPTABLES_CANDIDATES + " found on PATH; the node-setup image must contain iptables"));
    }

    String requireIptablesRestore() {
        requireIptables();
        return iptablesRestore.orElseThrow();
    }

    private static Optional<String> find(String name, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath().toString());
            }
        }
        return Optional.empty();
    }
}
