package io.iamlet.server;

import java.util.Map;

/**
 * An HTTP request as handlers see it: already size-checked and decoded, detached from Netty buffers.
 *
 * @param path     the path without query string, e.g. {@code /v1/credentials}
 * @param headers  header names lower-cased; the first value of each
 * @param sourceIp the TCP peer address, normalised with {@link io.iamlet.pods.PodIndex#normalise(String)}
 * @param body     the request body (usually empty; small by construction)
 */
public record Request(String method, String path, String query, Map<String, String> headers, String sourceIp,
                      byte[] body) {

    public Request {
        headers = Map.copyOf(headers);
    }

    /**
     * Method, path, source and header <em>names</em> only: header values (the Authorization token among them),
     * the query and the body may carry secrets, and a request can end up in a log line or an assertion message.
     */
    @Override
    public String toString() {
        return "Request[" + method + " " + path + (query == null || query.isEmpty() ? "" : "?...") + ", sourceIp=" + sourceIp
                + ", headers=" + new java.util.TreeSet<>(headers.keySet()) + ", body=" + (body == null ? 0 : body.length) + " bytes]";
    }

    /** A header's value by case-insensitive name, or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
