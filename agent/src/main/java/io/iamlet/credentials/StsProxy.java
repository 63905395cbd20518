package io.iamlet.credentials;

import java.io.IOException;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The proxy for STS (an https endpoint), resolved the way curl and the JVM do it: system properties
 * {@code https.proxyHost}/{@code https.proxyPort} with {@code http.nonProxyHosts}, else the environment's
 * {@code https_proxy}/{@code HTTPS_PROXY} with {@code no_proxy}/{@code NO_PROXY}.
 *
 * <p>Non-proxy hosts are kept as regular expressions on the whole host name, so curl's and the JVM's entries are
 * translated. {@link ProxyConfiguration#selector()} and {@link ProxyConfiguration#authenticator()} give them to the
 * JDK's HTTP client.
 */
final class StsProxy {

    private StsProxy() {
    }

    static Optional<ProxyConfiguration> resolve(Map<String, String> env, Properties system) {
        String host = system.getProperty("https.proxyHost");
        if (host != null && !host.isBlank()) {
            int port = parsePort(system.getProperty("https.proxyPort"), 443);
            return Optional.of(configuration("http", host.trim(), port, null, null,
                    globs(system.getProperty("http.nonProxyHosts"), "\\|")));
        }
        String url = first(env, "https_proxy", "HTTPS_PROXY");
        if (url == null) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = URI.create(url.contains("://") ? url.trim() : "http://" + url.trim());
        } catch (IllegalArgumentException e) {
            // not the value, nor the cause: the URL may carry the proxy's password
            throw new IllegalArgumentException("HTTPS_PROXY is not a valid URL");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("HTTPS_PROXY must be an http:// or https:// URL, was scheme " + scheme);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("HTTPS_PROXY has no host");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getUserInfo().split(":", 2);
            user = parts[0];
            password = parts.length > 1 ? parts[1] : null;
        }
        return Optional.of(configuration(scheme, uri.getHost(), port, user, password,
                noProxy(first(env, "no_proxy", "NO_PROXY"))));
    }

    private static ProxyConfiguration configuration(String scheme, String host, int port, String user,
                                                    String password, Set<String> nonProxyHosts) {
        return new ProxyConfiguration(scheme, host, port, user, password, nonProxyHosts);
    }

    /**
     * A proxy for STS. {@link #toString()} leaves the password out.
     *
     * @param scheme        how to talk to the proxy: {@code http} (the JDK client cannot speak TLS to a proxy)
     * @param nonProxyHosts regular expressions on the whole host name of hosts reached directly
     */
    record ProxyConfiguration(String scheme, String host, int port, String username, String password,
                              Set<String> nonProxyHosts) {

        ProxyConfiguration {
            nonProxyHosts = Set.copyOf(nonProxyHosts);
        }

        /** Whether {@code host} is reached without the proxy. */
        boolean bypasses(String host) {
            return nonProxyHosts.stream().anyMatch(host::matches);
        }

        /** The JDK client's view: this proxy for every host but the non-proxy ones. */
        ProxySelector selector() {
            var proxy = new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port));
            return new ProxySelector() {
                @Override
                public List<Proxy> select(URI uri) {
                    return uri.getHost() != null && bypasses(uri.getHost()) ? List.of(Proxy.NO_PROXY) : List.of(proxy);
                }

                @Override
                public void connectFailed(URI uri, SocketAddress address, IOException e) {
                    // the request fails and is retried like any connection failure
                }
            };
        }

        /** The proxy's credentials for the JDK client, answered to the proxy only; null when there are none. */
        Authenticator authenticator() {
            if (username == null) {
                return null;
            }
            return new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return getRequestorType() == RequestorType.PROXY
                            ? new PasswordAuthentication(username, password == null ? new char[0] : password.toCharArray())
                            : null;
                }
            };
        }

        @Override
        public String toString() {
            return "ProxyConfiguration[" + scheme + "://" + (username == null ? "" : username + ":***@") + host + ":"
                    + port + ", nonProxyHosts=" + nonProxyHosts + "]";
        }
    }

    /** curl's NO_PROXY: comma-separated host names (matching subdomains too), IP literals, or {@code *}. */
    static Set<String> noProxy(String value) {
        Set<String> regexes = new LinkedHashSet<>();
        if (value == null) {
            return regexes;
        }
        for (String raw : value.split(",")) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            if (entry.isEmpty() || entry.contains("/")) {
                continue; // CIDR ranges are not supported by the SDK's matcher
            }
            if (entry.equals("*")) {
                regexes.add(".*");
                continue;
            }
            if (entry.startsWith("[")) {
                entry = entry.substring(1, Math.max(1, entry.indexOf(']')));
            } else if (entry.indexOf(':') == entry.lastIndexOf(':') && entry.contains(":")) {
                entry = entry.substring(0, entry.indexOf(':')); // host:port
            }
            entry = entry.replaceFirst("^\\*?\\.", "");
            regexes.add("(?i)(.*\\.)?" + Pattern.quote(entry));
        }
        return regexes;
    }

    /** The JVM's {@code http.nonProxyHosts}: globs separated by {@code |}. */
    private static Set<String> globs(String value, String separator) {
        Set<String> regexes = new LinkedHashSet<>();
        if (value == null || value.isBlank()) {
            return regexes;
        }
        Arrays.stream(value.split(separator)).map(String::trim).filter(s -> !s.isEmpty())
                .forEach(glob -> regexes.add("(?i)" + Arrays.stream(glob.split("\\*", -1))
                        .map(part -> part.isEmpty() ? "" : Pattern.quote(part))
                        .reduce((a, b) -> a + ".*" + b).orElse("")));
        return regexes;
    }

    private static String first(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }

    private static int parsePort(String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("https.proxyPort must be a number, was " + value, e);
        }
    }
}
