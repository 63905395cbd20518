package io.iamlet.testing;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.iamlet.testing.GeneratedCluster.Kind;
import java.net.HttpURLConnection;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    private static final Pattern FIELD_TERM = Pattern.compile("(metadata\\.name|metadata\\.namespace|spec\\.nodeName)==?(.*)");
    private static final String CONTINUE_PREFIX = "scale:";

    private final Dispatcher store;
    private final GeneratedCluster generated;
    private final String node;
    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final JsonMapper json = JsonMapper.builder().build();

    /** @param node the stand-ins' own node */
    ScaleDispatcher(Dispatcher store, GeneratedCluster generated, String node) {
        this.store = store;
        this.generated = generated;
        this.node = node;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Route route = "GET".equals(request.getMethod()) ? Route.parse(request.getPath()) : null;
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

    private MockResponse get(RecordedRequest request, Route route) {
        MockResponse stored = store.dispatch(request);
        if (stored.code() != HttpURLConnection.HTTP_NOT_FOUND) {
            return stored;
        }
        OptionalInt i = generated.index(route.kind(), route.name());
        if (i.isEmpty() || !equal(route.namespace(), generated.namespace(route.kind(), i.getAsInt()))) {
            return stored;
        }
        return ok(serialization.asJson(generated.build(route.kind(), i.getAsInt())));
    }

    private MockResponse list(RecordedRequest request, Route route) {
        Filter filter = Filter.of(route);
        if (filter == null || route.kind() == Kind.PODS && node.equals(filter.node())) {
            return store.dispatch(request);
        }
        long offset;
        try {
            offset = offset(route.query().get("continue"));
        } catch (IllegalArgumentException e) {
            return badRequest("invalid continue token: " + e.getMessage());
        }
        MockResponse stored = store.dispatch(new RecordedRequest(request.getHttpVersion(), request.method(),
                route.pathWithout("limit", "continue"), request.getHeaders(), request.getBody()));
        if (stored.code() != HttpURLConnection.HTTP_OK) {
            return stored;
        }
        JsonNode storedList = json.readTree(stored.getBody().getBytes());
        String resourceVersion = storedList.path("metadata").path("resourceVersion").asString("");
        long limit = route.limit();

        StringBuilder items = new StringBuilder(1024);
        long position = 0;
        long end = limit > 0 ? offset + limit : Long.MAX_VALUE;
        for (JsonNode item : storedList.path("items")) {
            if (position >= offset && position < end) {
                append(items, item.toString());
            }
            position++;
        }
        for (int i = 0, n = generated.count(route.kind()); i < n; i++) {
            if (filter.matches(generated, route.kind(), i)) {
                if (position >= offset && position < end) {
                    append(items, serialization.asJson(generated.build(route.kind(), i)));
                }
                position++;
            }
        }
        StringBuilder body = new StringBuilder(items.length() + 256)
                .append("{\"apiVersion\":\"v1\",\"kind\":\"").append(route.kind().listKind)
                .append("\",\"metadata\":{\"resourceVersion\":").append(json.writeValueAsString(resourceVersion));
        if (position > end) {
            body.append(",\"continue\":\"").append(token(resourceVersion, end))
                    .append("\",\"remainingItemCount\":").append(position - end);
        }
        return ok(body.append("},\"items\":[").append(items).append("]}").toString());
    }

    private static void append(StringBuilder items, String item) {
        if (!items.isEmpty()) {
            items.append(',');
        }
        items.append(item);
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
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK)
                .setHeader("Content-Type", "application/json").setBody(body);
    }

    private MockResponse badRequest(String message) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("apiVersion", "v1");
        status.put("kind", "Status");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", "BadRequest");
        status.put("code", HttpURLConnection.HTTP_BAD_REQUEST);
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_BAD_REQUEST)
                .setHeader("Content-Type", "application/json").setBody(json.writeValueAsString(status));
    }

    private static boolean equal(String a, String b) {
        return a == null ? b == null : a.equals(b);
    }

    /** A GET of the core API this dispatcher answers: {@code /api/v1/[namespaces/<ns>/]<kind>[/<name>]}. */
    record Route(Kind kind, String namespace, String name, String path, Map<String, String> query) {

        static Route parse(String target) {
            if (target == null || !target.startsWith("/api/v1/")) {
                return null;
            }
            int q = target.indexOf('?');
            String path = q < 0 ? target : target.substring(0, q);
            Map<String, String> query = new LinkedHashMap<>();
            if (q >= 0) {
                for (String param : target.substring(q + 1).split("&")) {
                    int eq = param.indexOf('=');
                    if (!param.isEmpty()) {
                        query.put(decode(eq < 0 ? param : param.substring(0, eq)), eq < 0 ? "" : decode(param.substring(eq + 1)));
                    }
                }
            }
            String[] s = path.substring("/api/v1/".length()).split("/", -1);
            Kind kind;
            String namespace = null;
            String name = null;
            if (s.length == 1 || s.length == 2 && s[0].equals("namespaces")) {
                kind = kind(s[0]);
                name = s.length == 2 ? s[1] : null;
            } else if ((s.length == 3 || s.length == 4) && s[0].equals("namespaces") && !s[2].equals("namespaces")) {
                kind = kind(s[2]);
                namespace = s[1];
                name = s.length == 4 ? s[3] : null;
            } else {
                return null;
            }
            if (kind == null || name != null && name.isEmpty() || namespace != null && namespace.isEmpty()) {
                return null;
            }
            return new Route(kind, namespace, name, path, query);
        }

        long limit() {
            String limit = query.get("limit");
            try {
                return limit == null || limit.isEmpty() ? 0 : Math.max(0, Long.parseLong(limit));
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        /** The request target without the given query parameters. */
        String pathWithout(String... dropped) {
            List<String> kept = new ArrayList<>();
            query.forEach((k, v) -> {
                if (!List.of(dropped).contains(k)) {
                    kept.add(encode(k) + "=" + encode(v));
                }
            });
            return kept.isEmpty() ? path : path + "?" + String.join("&", kept);
        }

        private static Kind kind(String plural) {
            for (Kind kind : Kind.values()) {
                if (kind.plural.equals(plural)) {
                    return kind;
                }
            }
            return null;
        }

        private static String decode(String s) {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        }

        private static String encode(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8);
        }
    }

    /** Which generated objects a list selects: by namespace (path or field), name and node; null fields any. */
    record Filter(String namespace, String name, String node) {

        /** The filter of a list request; null when it selects by anything generated objects cannot be matched on. */
        static Filter of(Route route) {
            String labels = route.query().get("labelSelector");
            if (labels != null && !labels.isBlank()) {
                return null;
            }
            String namespace = route.namespace();
            String name = null;
            String node = null;
            String fields = route.query().getOrDefault("fieldSelector", "");
            for (String term : fields.split(",")) {
                if (term.isBlank()) {
                    continue;
                }
                Matcher m = FIELD_TERM.matcher(term.strip());
                if (!m.matches() || m.group(1).equals("spec.nodeName") && route.kind() != Kind.PODS) {
                    return null;
                }
                switch (m.group(1)) {
                    case "metadata.name" -> name = m.group(2);
                    case "metadata.namespace" -> {
                        if (namespace != null && !namespace.equals(m.group(2))) {
                            return new Filter("", "", null);
                        }
                        namespace = m.group(2);
                    }
                    default -> node = m.group(2);
                }
            }
            return new Filter(namespace, name, node);
        }

        boolean matches(GeneratedCluster cluster, Kind kind, int i) {
            return (namespace == null || namespace.equals(cluster.namespace(kind, i)))
                    && (name == null || name.equals(cluster.name(kind, i)))
                    && (node == null || kind == Kind.PODS && node.equals(cluster.podNode(i)));
        }
    }
}
