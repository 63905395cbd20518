package io.iamlet.credentials;

import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.nio.netty.ProxyConfiguration;

/**
 * The proxy for STS (an https endpoint), resolved the way curl and the JVM do it: system properties
 * {@code https.proxyHost}/{@code https.proxyPort} with {@code http.nonProxyHosts}, else the environment's
 * {@code https_proxy}/{@code HTTPS_PROXY} with {@code no_proxy}/{@code NO_PROXY}.
 *
 * <p>Why not the Netty client's {@code useEnvironmentVariableValues}: in SDK 2.57.8 its {@code scheme} means both
 * "which variable to read" and "speak TLS to the proxy", so with the default {@code http} it reads
 * {@code HTTP_PROXY} (wrong variable for an https target) and with {@code https} it would wrap the proxy connection
 * in TLS (wrong for the usual {@code HTTPS_PROXY=http://proxy:3128}). Here the proxy URL's own scheme decides.
 * The SDK matches non-proxy hosts as regular expressions on the whole host name, so entries are translated.
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
        URI uri = URI.create(url.contains("://") ? url.trim() : "http://" + url.trim());
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
        var builder = ProxyConfiguration.builder()
                .useSystemPropertyValues(false)
                .useEnvironmentVariableValues(false)
                .scheme(scheme)
                .host(host)
                .port(port)
                .nonProxyHosts(nonProxyHosts);
        if (user != null) {
            builder.username(user).password(password);
        }
        return builder.build();
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
