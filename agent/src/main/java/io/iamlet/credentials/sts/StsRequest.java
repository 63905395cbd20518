package io.iamlet.credentials.sts;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One STS Query-protocol call: {@code Action=...&Version=2011-06-15} and its parameters, form-encoded in the POST
 * body. {@link #toString()} names the action only: parameters include web-identity tokens.
 */
public final class StsRequest {

    static final String VERSION = "2011-06-15";

    private final String action;
    private final List<Map.Entry<String, String>> params = new ArrayList<>();

    private StsRequest(String action) {
        this.action = action;
    }

    public static StsRequest of(String action) {
        return new StsRequest(action);
    }

    public String action() {
        return action;
    }

    /** Adds {@code name=value}; a null value adds nothing (an unset member). */
    public StsRequest param(String name, Object value) {
        if (value != null) {
            params.add(Map.entry(name, value.toString()));
        }
        return this;
    }

    /** {@code Tags.member.N.Key/Value}, N from 1, in the given order; nothing for an empty list. */
    public StsRequest tags(List<Map.Entry<String, String>> tags) {
        int n = 1;
        for (var tag : tags) {
            param("Tags.member." + n + ".Key", tag.getKey());
            param("Tags.member." + n + ".Value", tag.getValue());
            n++;
        }
        return this;
    }

    /** {@code Name.member.N}, N from 1; nothing for an empty list. */
    public StsRequest list(String name, List<String> values) {
        int n = 1;
        for (String value : values) {
            param(name + ".member." + n++, value);
        }
        return this;
    }

    /** The parameters after Action and Version, in the order added (for tests). */
    public List<Map.Entry<String, String>> params() {
        return List.copyOf(params);
    }

    byte[] body() {
        StringBuilder sb = new StringBuilder("Action=").append(encode(action)).append("&Version=").append(VERSION);
        for (var p : params) {
            sb.append('&').append(encode(p.getKey())).append('=').append(encode(p.getValue()));
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 3986 percent-encoding, as the SDK encodes form values: space as %20, {@code ~} kept, {@code *} encoded. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A")
                .replace("%7E", "~");
    }

    @Override
    public String toString() {
        return "StsRequest[" + action + "]";
    }
}
