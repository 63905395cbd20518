package io.iamlet.server;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One address a listener binds: an IP literal and a port ({@code 0} = any free port). Written {@code 1.2.3.4:80} or
 * {@code [fd00:ec2::23]:80}; host names are refused so that what binds is exactly what was configured.
 */
public record ListenAddress(InetAddress address, int port) {

    public ListenAddress {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen port must be in 0..65535, was " + port);
        }
    }

    /** Parses {@code host:port} or {@code [ipv6]:port}; the message of the exception names the offending text. */
    public static ListenAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw invalid(text, "expected [ipv6]:port, e.g. [fd00:ec2::23]:80");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
            if (!host.contains(":")) {
                throw invalid(text, "brackets are only for IPv6 addresses");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw invalid(text, "expected host:port, e.g. 127.0.0.1:2703");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.contains(":")) {
                throw invalid(text, "write IPv6 addresses in brackets, e.g. [fd00:ec2::23]:80");
            }
        }
        if (host.contains("%")) {
            throw invalid(text, "zone ids are not supported");
        }
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw invalid(text, "host must be an IP address literal, not a name");
        }
        return new ListenAddress(address, parsePort(text, port));
    }

    /** Parses a comma-separated list (the form of {@code --container-listen}); blanks are ignored. */
    public static List<ListenAddress> parseList(String commaSeparated) {
        List<ListenAddress> out = new ArrayList<>();
        for (String part : commaSeparated.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part));
            }
        }
        return List.copyOf(out);
    }

    public static ListenAddress of(InetSocketAddress socketAddress) {
        return new ListenAddress(socketAddress.getAddress(), socketAddress.getPort());
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(address, port);
    }

    @Override
    public String toString() {
        String host = NetUtil.toAddressString(address); // RFC 5952: compressed IPv6
        return address instanceof Inet6Address ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static int parsePort(String text, String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid(text, "port must be a number in 0..65535");
        }
        int value = Integer.parseInt(port);
        if (value > 65535) {
            throw invalid(text, "port must be a number in 0..65535");
        }
        return value;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid listen address \"" + text + "\": " + why);
    }
}
