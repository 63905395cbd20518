package io.iamlet.server;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * An HTTP request as handlers see it: already size-checked and decoded, detached from Netty buffers.
 *
 * <p>Redacted by construction: neither the request nor its {@link Headers} print a header value (the
 * Authorization token, the IMDSv2 token), the query or the body, whatever ends up in a log line, an exception message
 * or an assertion message.
 *
 * @param path     the path without query string, e.g. {@code /v1/credentials}
 * @param headers  header names lower-cased; the first value of each
 * @param sourceIp the TCP peer address, normalised with {@link io.iamlet.pods.PodIndex#normalise(String)}
 * @param body     the request body (usually empty; small by construction)
 */
public record Request(String method, String path, String query, Headers headers, String sourceIp, byte[] body) {

    public Request {
        Objects.requireNonNull(headers, "headers");
    }

    /** A request with these headers (names lower-cased; the first value of each). */
    public Request(String method, String path, String query, Map<String, String> headers, String sourceIp,
                   byte[] body) {
        this(method, path, query, Headers.of(headers), sourceIp, body);
    }

    /** Method, path, source and header <em>names</em> only: values, the query and the body may carry secrets. */
    @Override
    public String toString() {
        return "Request[" + method + " " + path + (query == null || query.isEmpty() ? "" : "?...") + ", sourceIp="
                + sourceIp + ", headers=" + headers + ", body=" + (body == null ? 0 : body.length) + " bytes]";
    }

    /** A header's value by case-insensitive name, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /**
     * A request's headers, immutable. Unlike a {@link Map}, it never prints a value: {@link #toString()} lists the
     * names only, so a request's headers cannot leak a token into a log line by being printed.
     */
    public static final class Headers {

        private static final Headers NONE = new Headers(Map.of());

        private final Map<String, String> byName;

        private Headers(Map<String, String> byName) {
            this.byName = byName;
        }

        /** Headers from a map whose names are already lower-cased (an immutable map is kept as it is). */
        public static Headers of(Map<String, String> lowerCasedNames) {
            return lowerCasedNames.isEmpty() ? NONE : new Headers(Map.copyOf(lowerCasedNames));
        }

        /** A header's value by case-insensitive name, or null. */
        public String get(String name) {
            return byName.get(name.toLowerCase(Locale.ROOT));
        }

        /** The lower-cased names. */
        public Set<String> names() {
            return byName.keySet();
        }

        public int size() {
            return byName.size();
        }

        /** Every (lower-cased name, value) pair, for code that must look at values (e.g. to redact them). */
        public void forEach(BiConsumer<? super String, ? super String> action) {
            byName.forEach(action);
        }

        /** The names only, sorted: never a value. */
        @Override
        public String toString() {
            return new TreeSet<>(byName.keySet()).toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Headers h && byName.equals(h.byName);
        }

        @Override
        public int hashCode() {
            return byName.hashCode();
        }
    }
}
