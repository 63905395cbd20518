package io.iamlet.node;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code iamlet node-setup} establishes on the node, validated before any command runs.
 *
 * <p>Every value ends up as an argument of {@code ip} or {@code iptables} or as a line of {@code iptables-restore}
 * input, so validation is strict: names are restricted to characters that cannot start an option or split a
 * line, addresses are parsed as literals (never resolved through DNS).
 *
 * @param linkName           the link carrying the container-endpoint addresses ({@code --link-name})
 * @param containerAddresses host addresses (/32 or /128) put on that link ({@code --container-address})
 * @param podInterfaces      iptables {@code -i} patterns of pod-facing interfaces ({@code --pod-interface})
 * @param hostIp             the node's IPv4 address, DNAT target of the metadata redirect ({@code --host-ip});
 *                           empty only when {@code metadataPort} is 0
 * @param metadataPort       port iamlet's metadata listener uses on {@code hostIp}; 0 = no redirect
 * @param containerPort      port iamlet's container listener uses on the container addresses
 *                           ({@code --container-port}); other than 80: port 80 of those addresses is redirected
 *                           to it (the proxy-port mode, {@link ContainerPortRedirect})
 */
public record NodeSetupSettings(
        String linkName,
        List<InetAddress> containerAddresses,
        List<String> podInterfaces,
        Optional<Inet4Address> hostIp,
        int metadataPort,
        int containerPort) {

    public static final String DEFAULT_LINK_NAME = "iamlet0";
    public static final List<String> DEFAULT_CONTAINER_ADDRESSES = List.of("169.254.170.23/32", "fd00:ec2::23/128");
    public static final List<String> DEFAULT_POD_INTERFACES = List.of("eni+");
    public static final int DEFAULT_METADATA_PORT = 8181;

    /** Linux interface names: at most 15 bytes (IFNAMSIZ - 1); no leading '-' so a name is never an option. */
    private static final Pattern LINK_NAME = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}");
    /** As {@link #LINK_NAME}, plus iptables' trailing '+' wildcard. */
    private static final Pattern POD_INTERFACE = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.-]{0,13}[A-Za-z0-9_.+-]?");

    public NodeSetupSettings {
        linkName = validLinkName(linkName);
        containerAddresses = List.copyOf(new LinkedHashSet<>(containerAddresses));
        if (containerAddresses.isEmpty()) {
            throw new IllegalArgumentException("--container-address needs at least one address");
        }
        podInterfaces = List.copyOf(new LinkedHashSet<>(podInterfaces));
        for (String pattern : podInterfaces) {
            if (!POD_INTERFACE.matcher(pattern).matches() || pattern.equals(".") || pattern.equals("..")) {
                throw new IllegalArgumentException("--pod-interface must be an interface name or prefix ending in '+' "
                        + "(letters, digits, _ . -; at most 15 characters; not starting with '-'), was '" + pattern + "'");
            }
        }
        Objects.requireNonNull(hostIp, "hostIp");
        if (containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("--container-port must be in [1,65535] (80: no redirect), was "
                    + containerPort);
        }
        if (metadataPort < 0 || metadataPort > 65535) {
            throw new IllegalArgumentException("--metadata-port must be in [0,65535] (0 = no redirect), was " + metadataPort);
        }
        if (metadataPort > 0) {
            Inet4Address ip = hostIp.orElseThrow(() -> new IllegalArgumentException(
                    "--host-ip is required when --metadata-port is not 0 (it is the target of the metadata redirect)"));
            // DNAT to a loopback address would need route_localnet, which exposes 127.0.0.0/8 services to pods.
            if (ip.isLoopbackAddress() || ip.isAnyLocalAddress() || ip.isLinkLocalAddress() || ip.isMulticastAddress()) {
                throw new IllegalArgumentException("--host-ip must be the node's own unicast address (not loopback, "
                        + "link-local, multicast or 0.0.0.0), was " + ip.getHostAddress());
            }
            if (podInterfaces.isEmpty()) {
                throw new IllegalArgumentException("--pod-interface needs at least one pattern when --metadata-port is not 0");
            }
        }
    }

    /**
     * Parses the command-line form: addresses as {@code 169.254.170.23/32} or {@code 169.254.170.23}, host IP as an
     * IPv4 literal or null/blank. Throws {@link IllegalArgumentException} naming the flag.
     */
    public static NodeSetupSettings parse(String linkName, List<String> containerAddresses, List<String> podInterfaces,
                                          String hostIp, int metadataPort) {
        return parse(linkName, containerAddresses, podInterfaces, hostIp, metadataPort, ContainerPortRedirect.DEFAULT_PORT);
    }

    /** As {@link #parse(String, List, List, String, int)}, with the container listener's port. */
    public static NodeSetupSettings parse(String linkName, List<String> containerAddresses, List<String> podInterfaces,
                                          String hostIp, int metadataPort, int containerPort) {
        List<InetAddress> addresses = new ArrayList<>();
        for (String a : containerAddresses) {
            addresses.add(parseHostAddress(a));
        }
        Optional<Inet4Address> host = Optional.empty();
        if (hostIp != null && !hostIp.isBlank()) {
            try {
                host = Optional.of(Inet4Address.ofLiteral(hostIp.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--host-ip must be an IPv4 literal (the redirect is IPv4), was '"
                        + hostIp + "'", e);
            }
        }
        return new NodeSetupSettings(linkName, addresses, podInterfaces, host, metadataPort, containerPort);
    }

    /** Validates a link name (also used by teardown); returns it unchanged. */
    static String validLinkName(String linkName) {
        if (linkName == null || !LINK_NAME.matcher(linkName).matches() || linkName.equals(".") || linkName.equals("..")) {
            throw new IllegalArgumentException("--link-name must be 1-15 characters of letters, digits, _ . - "
                    + "(not starting with '-'), was '" + linkName + "'");
        }
        return linkName;
    }

    /**
     * A host address: only a full-length prefix is accepted. A shorter one (say /16 on 169.254.170.23) would
     * add a subnet route through the link and capture the node's own traffic to 169.254.169.254.
     */
    private static InetAddress parseHostAddress(String text) {
        String s = text == null ? "" : text.strip();
        int slash = s.indexOf('/');
        String literal = slash < 0 ? s : s.substring(0, slash);
        InetAddress address;
        try {
            if (literal.indexOf('%') >= 0) {
                throw new IllegalArgumentException("scoped address");
            }
            address = InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--container-address must be an IP literal with an optional /32 or "
                    + "/128, was '" + text + "'", e);
        }
        if (slash >= 0) {
            int full = address instanceof Inet6Address ? 128 : 32;
            if (!s.substring(slash + 1).equals(Integer.toString(full))) {
                throw new IllegalArgumentException("--container-address must be a host address (/" + full
                        + "), was '" + text + "'");
            }
        }
        return address;
    }
}
