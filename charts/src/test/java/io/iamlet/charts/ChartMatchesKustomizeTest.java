package io.iamlet.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.iamlet.deploy.Kustomize;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * One place of truth in practice: for the same settings, the chart renders the same objects as the kustomize
 * installs in daemonset/ (the same kinds, names and namespaces, and each object equal field by field apart from
 * Helm's labels and the order of environment variables). A change to either that is not made to the other fails
 * here. Needs kubectl (aborted without it, like the agent's kustomize tests).
 */
class ChartMatchesKustomizeTest {

    static Stream<Arguments> sameSettings() {
        Map<String, Object> namespace = Map.of("create", true);
        return Stream.of(
                arguments("pod-identity", Map.of("namespace", namespace),
                        List.of("daemonset/overlays/pod-identity")),
                arguments("kube2iam", Map.of("namespace", namespace, "mode", "kube2iam", "clusterName", "CHANGE_ME"),
                        List.of("daemonset/overlays/kube2iam")),
                arguments("pod-identity, proxy port", Map.of("namespace", namespace,
                                "containerEndpoint", Map.of("port", 2702)),
                        List.of("daemonset/examples/proxy-port")),
                arguments("pod-identity, monitoring", Map.of("namespace", namespace,
                                "monitoring", Map.of("podMonitor", Map.of("enabled", true))),
                        List.of("daemonset/overlays/pod-identity", "daemonset/monitoring")),
                arguments("pod-identity, webhook", Map.of("namespace", namespace,
                                "webhook", Map.of("enabled", true)),
                        List.of("daemonset/overlays/pod-identity", "daemonset/webhook")),
                arguments("pod-identity, webhook with cert-manager", Map.of("namespace", namespace,
                                "webhook", Map.of("enabled", true, "certManager", Map.of("enabled", true))),
                        List.of("daemonset/overlays/pod-identity", "daemonset/webhook-cert-manager")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sameSettings")
    void chartRendersTheObjectsOfTheKustomizeInstall(String name, Map<String, Object> values,
                                                     List<String> kustomizations) {
        Map<String, JsonNode> chart = Normalized.byKey(Chart.render(values));
        Map<String, JsonNode> kustomize = Normalized.byKey(kustomizations.stream().map(Kustomize::render)
                .collect(Collectors.joining("\n---\n")));

        assertThat(chart.keySet()).isEqualTo(kustomize.keySet());
        chart.forEach((key, object) -> assertThat(object).as(key).isEqualTo(kustomize.get(key)));
    }
}
