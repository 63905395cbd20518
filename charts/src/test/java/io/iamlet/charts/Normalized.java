package io.iamlet.charts;

import io.iamlet.deploy.StrictManifests;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rendered objects as trees keyed by kind/namespace/name, with what legitimately differs between a Helm release
 * and a kustomize install taken out: Helm's own labels and annotations, and the order of environment variables,
 * volumes and mounts (kustomize's strategic merge puts added entries first; order only matters for $(VAR)
 * references, which the install rules check on their own).
 */
final class Normalized {
    static final Set<String> HELM_LABELS = Set.of("app.kubernetes.io/instance", "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by", "helm.sh/chart");
    static final Set<String> HELM_ANNOTATIONS = Set.of("helm.sh/resource-policy");
    /** Lists whose order means nothing to Kubernetes (but for $(VAR) references in env, checked elsewhere). */
    private static final Set<String> BY_NAME = Set.of("env", "volumes", "volumeMounts");

    private Normalized() {}

    static Map<String, JsonNode> byKey(String yaml) {
        Map<String, JsonNode> objects = new TreeMap<>();
        for (JsonNode document : StrictManifests.documents(yaml)) {
            JsonNode tree = normalize(document.deepCopy());
            String key = document.path("kind").asString("") + " " + document.path("metadata").path("namespace")
                    .asString("") + "/" + document.path("metadata").path("name").asString("");
            if (objects.put(key, tree) != null) {
                throw new AssertionError("rendered twice: " + key);
            }
        }
        return objects;
    }

    private static JsonNode normalize(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (String field : new ArrayList<>(object.propertyNames())) {
                JsonNode child = object.get(field);
                if (field.equals("labels") && child instanceof ObjectNode labels) {
                    labels.remove(HELM_LABELS);
                    if (labels.isEmpty()) {
                        object.remove(field);
                        continue;
                    }
                } else if (field.equals("annotations") && child instanceof ObjectNode annotations) {
                    annotations.remove(HELM_ANNOTATIONS);
                    if (annotations.isEmpty()) {
                        object.remove(field);
                        continue;
                    }
                } else if (BY_NAME.contains(field) && child instanceof ArrayNode env) {
                    List<JsonNode> sorted = new ArrayList<>();
                    env.forEach(sorted::add);
                    sorted.sort(Comparator.comparing(e -> e.path("name").asString("")));
                    env.removeAll();
                    sorted.forEach(env::add);
                }
                normalize(child);
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(Normalized::normalize);
        }
        return node;
    }
}
