package io.iamlet.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** A Query-protocol request as FakeSts sees it, with STS's own parameter validation. */
record FakeStsRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body,
                      Map<String, String> params) {

    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final Pattern TAG_CHARS = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");

    static FakeStsRequest read(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        Map<String, String> params = new LinkedHashMap<>();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        parseForm(rawQuery, params);
        parseForm(new String(body, StandardCharsets.UTF_8), params);
        return new FakeStsRequest(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), rawQuery,
                headers, body, params);
    }

    String param(String name) {
        return params.get(name);
    }

    boolean hasAuthorization() {
        return headers.containsKey("authorization");
    }

    String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** {@code Prefix.member.N.Field} lists, in N order. */
    List<String> members(String prefix, String field) {
        List<String> out = new ArrayList<>();
        for (int i = 1; ; i++) {
            String value = params.get(prefix + ".member." + i + (field == null ? "" : "." + field));
            if (value == null) {
                return out;
            }
            out.add(value);
        }
    }

    Map<String, String> tags() {
        Map<String, String> tags = new LinkedHashMap<>();
        List<String> keys = members("Tags", "Key");
        List<String> values = members("Tags", "Value");
        for (int i = 0; i < keys.size(); i++) {
            tags.put(keys.get(i), i < values.size() ? values.get(i) : "");
        }
        return tags;
    }

    /** STS's "1 validation error detected" checks, or null when the request is valid. */
    String validationError(boolean webIdentity) {
        String role = param("RoleArn");
        if (role == null || !ROLE_ARN.matcher(role).matches() || role.length() > 2048) {
            return "Value at 'roleArn' failed to satisfy constraint: must be an IAM role ARN";
        }
        String session = param("RoleSessionName");
        if (session == null || !SESSION_NAME.matcher(session).matches()) {
            return "Value at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 "
                    + "and 64 and satisfy regular expression pattern: [\\w+=,.@-]*";
        }
        String duration = param("DurationSeconds");
        if (duration != null) {
            int seconds;
            try {
                seconds = Integer.parseInt(duration);
            } catch (NumberFormatException e) {
                return "Value at 'durationSeconds' failed to satisfy constraint: must be a number";
            }
            if (seconds < 900 || seconds > 43200) {
                return "Value at 'durationSeconds' failed to satisfy constraint: between 900 and 43200";
            }
        }
        if (webIdentity) {
            String token = param("WebIdentityToken");
            if (token == null || token.length() < 4 || token.length() > 20000) {
                return "Value at 'webIdentityToken' failed to satisfy constraint: length between 4 and 20000";
            }
        }
        Map<String, String> tags = tags();
        if (tags.size() > 50) {
            return "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50";
        }
        for (var tag : tags.entrySet()) {
            if (tag.getKey().isEmpty() || tag.getKey().length() > 128 || !TAG_CHARS.matcher(tag.getKey()).matches()) {
                return "Value at 'tags' failed to satisfy constraint: tag key";
            }
            if (tag.getValue().length() > 256 || !TAG_CHARS.matcher(tag.getValue()).matches()) {
                return "Value at 'tags' failed to satisfy constraint: tag value";
            }
        }
        for (String key : members("TransitiveTagKeys", null)) {
            if (!tags.containsKey(key)) {
                return "The specified transitive tag key must be included in the requested tags.";
            }
        }
        return null;
    }

    private static void parseForm(String form, Map<String, String> into) {
        if (form == null || form.isEmpty()) {
            return;
        }
        for (String pair : form.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.put(name, value);
        }
    }
}
