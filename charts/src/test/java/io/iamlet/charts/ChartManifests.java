package io.iamlet.charts;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.iamlet.deploy.Install;
import io.iamlet.deploy.StrictManifests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * What the chart renders, parsed as strictly as the kustomize installs ({@link StrictManifests}: unknown fields,
 * wrong scalar types and duplicate keys fail), with models for the kinds only the chart has.
 */
final class ChartManifests {
    private static final Map<String, Class<?>> CHART_ONLY = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "monitoring.coreos.com/v1/ServiceMonitor", MonitoringObjects.ServiceMonitor.class,
            "monitoring.coreos.com/v1/PrometheusRule", MonitoringObjects.PrometheusRule.class);

    private ChartManifests() {}

    static Install parse(String yaml) {
        return parse(yaml, document -> true);
    }

    /**
     * The node agent's part of a release: without the webhook's objects (its own name label, and cert-manager's),
     * which the agent's install rules (one ClusterRole, bound to the agent) do not describe. daemonset/ installs
     * the webhook separately for the same reason.
     */
    static Install agentPart(String yaml) {
        return parse(yaml, document -> !"iamlet-webhook".equals(document.path("metadata").path("labels")
                .path("app.kubernetes.io/name").asString("")));
    }

    private static Install parse(String yaml, Predicate<JsonNode> include) {
        List<Object> objects = new ArrayList<>();
        for (JsonNode document : StrictManifests.documents(yaml)) {
            if (!include.test(document)) {
                continue;
            }
            Class<?> model = CHART_ONLY.get(type(document));
            objects.add(model != null ? StrictManifests.MAPPER.treeToValue(document, model)
                    : StrictManifests.bind(List.of(document)).objects().getFirst());
        }
        return new Install(objects);
    }

    static String type(JsonNode document) {
        return document.path("apiVersion").asString("") + "/" + document.path("kind").asString("");
    }
}
