package io.iamlet.server;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a handler answers. The server adds Content-Length, Date and connection headers. */
public record Response(int status, String contentType, Map<String, String> headers, byte[] body) {

    public Response {
        headers = Map.copyOf(headers);
    }

    public static Response json(int status, byte[] body) {
        return new Response(status, "application/json", Map.of(), body);
    }

    public static Response text(int status, String body) {
        return new Response(status, "text/plain", Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    public Response withHeader(String name, String value) {
        var copy = new java.util.HashMap<>(headers);
        copy.put(name, value);
        return new Response(status, contentType, copy, body);
    }
}
