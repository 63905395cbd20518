package io.iamlet.testing;

import io.iamlet.testing.GeneratedCluster.Kind;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A GET of the core API that {@link ScaleDispatcher} answers: {@code /api/v1/[namespaces/<ns>/]<kind>[/<name>]}. */
record ApiGet(Kind kind, String namespace, String name, String path, Map<String, String> query) {

    private static final Pattern FIELD_TERM =
            Pattern.compile("(metadata\\.name|metadata\\.namespace|spec\\.nodeName)==?(.*)");

    static ApiGet parse(String target) {
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
        return new ApiGet(kind, namespace, name, path, query);
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

    /** Which generated objects a list selects: by namespace (path or field), name and node; null fields any. */
    record Selection(String namespace, String name, String node) {

        /** The filter of a list request; null when it selects by anything generated objects cannot be matched on. */
        static Selection of(ApiGet route) {
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
                            return new Selection("", "", null);
                        }
                        namespace = m.group(2);
                    }
                    default -> node = m.group(2);
                }
            }
            return new Selection(namespace, name, node);
        }

        boolean matches(GeneratedCluster cluster, Kind kind, int i) {
            return (namespace == null || namespace.equals(cluster.namespace(kind, i)))
                    && (name == null || name.equals(cluster.name(kind, i)))
                    && (node == null || kind == Kind.PODS && node.equals(cluster.podNode(i)));
        }
    }
}
