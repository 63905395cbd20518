package io.iamlet.testing;

import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.iamlet.testing.GeneratedCluster.Kind;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts a {@link GeneratedCluster} into the API server's answers, in front of the stored objects' dispatcher: GETs of
 * pods, namespaces and service accounts (one, or a list, cluster-wide or in a namespace) answer the generated
 * objects as if they were stored. A list answers the stored items first, then the generated ones that match, with
 * the store's {@code metadata.resourceVersion}, paged by {@code limit} and {@code continue} as the API server pages.
 * Watches, writes and every other path go straight to the store: generated objects never change.
 *
 * <p>Generated objects match field selectors on {@code metadata.name}, {@code metadata.namespace} and (pods)
 * {@code spec.nodeName}; a request with any other field selector or a label selector gets the stored objects only.
 * A pod list selecting the stand-ins' own node is passed through untouched: no generated pod is on that node.
 */
final class ScaleDispatcher extends Dispatcher {

    private static final String CONTINUE_PREFIX = "scale:";

    private final Dispatcher store;
    private final GeneratedCluster generated;
    private final String node;
    private final JsonMapper json = JsonMapper.builder().build();

    /** @param node the stand-ins' own node */
    ScaleDispatcher(Dispatcher store, GeneratedCluster generated, String node) {
        this.store = store;
        this.generated = generated;
        this.node = node;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        ApiGet route = "GET".equals(request.getMethod()) ? ApiGet.parse(request.getPath()) : null;
        if (route == null || "true".equals(route.query().get("watch")) || generated.count(route.kind()) == 0) {
            return store.dispatch(request);
        }
        return route.name() != null ? get(request, route) : list(request, route);
    }

    @Override
    public void shutdown() {
        store.shutdown();
    }

    @Override
    public void releaseResources() {
        store.releaseResources();
    }

    private MockResponse get(RecordedRequest request, ApiGet route) {
        MockResponse stored = store.dispatch(request);
        if (stored.code() != HttpURLConnection.HTTP_NOT_FOUND) {
            return stored;
        }
        OptionalInt i = generated.index(route.kind(), route.name());
        if (i.isEmpty() || !Objects.equals(route.namespace(), generated.namespace(route.kind(), i.getAsInt()))) {
            return stored;
        }
        return ok(generated.json(route.kind(), i.getAsInt()));
    }

    private MockResponse list(RecordedRequest request, ApiGet route) {
        ApiGet.Selection filter = ApiGet.Selection.of(route);
        if (filter == null || route.kind() == Kind.PODS && node.equals(filter.node())) {
            return store.dispatch(request);
        }
        long offset;
        try {
            offset = offset(route.query().get("continue"));
        } catch (IllegalArgumentException e) {
            return status(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest", "invalid continue token: " + e.getMessage());
        }
        MockResponse stored = store.dispatch(new RecordedRequest(request.getHttpVersion(), request.method(),
                route.pathWithout("limit", "continue"), request.getHeaders(), request.getBody()));
        if (stored.code() != HttpURLConnection.HTTP_OK) {
            return stored;
        }
        JsonNode storedList = json.readTree(stored.getBody().getBytes());
        String resourceVersion = storedList.path("metadata").path("resourceVersion").asString("");
        List<String> storedItems = new ArrayList<>();
        storedList.path("items").forEach(item -> storedItems.add(item.toString()));
        Kind kind = route.kind();
        int matching = 0;
        for (int i = 0, n = generated.count(kind); i < n; i++) {
            matching += filter.matches(generated, kind, i) ? 1 : 0;
        }
        long total = storedItems.size() + (long) matching;
        long end = route.limit() > 0 ? Math.min(total, offset + route.limit()) : total;

        StringBuilder head = new StringBuilder(256).append("{\"apiVersion\":\"v1\",\"kind\":\"")
                .append(kind.listKind).append("\",\"metadata\":{\"resourceVersion\":")
                .append(json.writeValueAsString(resourceVersion));
        if (end < total) {
            head.append(",\"continue\":\"").append(token(resourceVersion, end))
                    .append("\",\"remainingItemCount\":").append(total - end);
        }
        var body = new ListBody(head.append("},\"items\":[").toString());
        long position = 0;
        for (String item : storedItems) {
            if (position >= offset && position < end) {
                body.item(item);
            }
            position++;
        }
        try {
            for (int i = 0, n = generated.count(kind); i < n && position < end; i++) {
                if (filter.matches(generated, kind, i)) {
                    if (position >= offset) {
                        body.item(generated.json(kind, i), end - position);
                    }
                    position++;
                }
            }
        } catch (ListBody.TooLarge e) {
            return status(HttpURLConnection.HTTP_INTERNAL_ERROR, "InternalError", e.getMessage());
        }
        return ok(body.finish());
    }

    private static String token(String resourceVersion, long offset) {
        String plain = CONTINUE_PREFIX + offset + ":" + resourceVersion;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    private static long offset(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        int colon = plain.indexOf(':', CONTINUE_PREFIX.length());
        if (!plain.startsWith(CONTINUE_PREFIX) || colon < 0) {
            throw new IllegalArgumentException("not one of this server's");
        }
        return Long.parseLong(plain.substring(CONTINUE_PREFIX.length(), colon));
    }

    private static MockResponse ok(String body) {
        return ok(new Buffer().writeUtf8(body));
    }

    private static MockResponse ok(Buffer body) {
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK)
                .setHeader("Content-Type", "application/json").setBody(body);
    }

    private MockResponse status(int code, String reason, String message) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("apiVersion", "v1");
        status.put("kind", "Status");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason);
        status.put("code", code);
        return new MockResponse().setResponseCode(code)
                .setHeader("Content-Type", "application/json").setBody(json.writeValueAsString(status));
    }
}
