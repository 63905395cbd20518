package io.iamlet.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.iamlet.Main;
import io.iamlet.config.EnvironmentDefaults;
import io.iamlet.deploy.StrictManifests;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * values.schema.json turns a wrong value into a refusal at install (helm install/template run the same check),
 * with a message naming the value, instead of an agent that crash-loops on every node.
 */
class ValuesSchemaTest {
    /** `iamlet serve` flags the chart sets itself, from the mode and the top-level values. */
    private static final Set<String> SET_BY_THE_CHART = Set.of("node-name", "host-ip", "metadata-listen",
            "credential-source", "cluster-name", "audience", "role-source", "role-annotation",
            "allowed-role-pattern", "sts-endpoint", "probe-listen", "metrics-listen");

    static Stream<Arguments> badValues() {
        return Stream.of(
                arguments("unknown mode", Map.of("mode", "kiam"), "mode must be one of the following"),
                arguments("container port 0", Map.of("containerEndpoint", Map.of("port", 0)), "containerEndpoint.port"),
                arguments("region shape", Map.of("region", "US East"), "region: Does not match pattern"),
                arguments("region missing its number", Map.of("region", "eu-west"), "region: Does not match pattern"),
                arguments("unknown top-level key", Map.of("regoin", "eu-west-1"), "Additional property regoin"),
                arguments("unknown agent setting", Map.of("config", Map.of("sessionDurtion", "1h")),
                        "Additional property sessionDurtion"),
                arguments("a setting the chart owns", Map.of("config", Map.of("credentialSource", "assume-role")),
                        "Additional property credentialSource"),
                arguments("negative cpu", Map.of("resources", Map.of(
                        "agent", Map.of("requests", Map.of("cpu", "-50m", "memory", "176Mi"),
                                "limits", Map.of("memory", "256Mi")))), "resources.agent.requests.cpu"),
                arguments("negative memory number", Map.of("resources", Map.of(
                        "agent", Map.of("requests", Map.of("cpu", "50m", "memory", -1),
                                "limits", Map.of("memory", "256Mi")))), "resources.agent.requests.memory"),
                // null removes a default in Helm (an empty map would be merged with values.yaml's)
                arguments("no memory limit", Map.of("resources", Map.of(
                        "agent", Map.of("requests", Map.of("cpu", "50m", "memory", "176Mi"),
                                "limits", Collections.singletonMap("memory", null)))), "memory is required"),
                arguments("duration without unit", Map.of("config", Map.of("sessionDuration", "3600")),
                        "config.sessionDuration: Does not match pattern"),
                arguments("boolean as text", Map.of("config", Map.of("imdsv2Required", "yes")),
                        "config.imdsv2Required: Invalid type"),
                arguments("refresh fraction above 1", Map.of("config", Map.of("refreshFraction", 1.5)),
                        "config.refreshFraction"),
                arguments("kube2iam without cluster name", Map.of("mode", "kube2iam"), "clusterName"),
                arguments("metadata port out of range", Map.of("metadataPath",
                        Map.of("port", 70000, "podInterfaces", List.of("eni+"))), "metadataPath.port"),
                arguments("no pod interface", Map.of("metadataPath",
                        Map.of("port", 8181, "podInterfaces", List.of())), "metadataPath.podInterfaces"),
                arguments("unknown role source", Map.of("roleSource", "crd"), "roleSource"),
                arguments("role pattern that is no ARN", Map.of("allowedRolePatterns", List.of("app-*")),
                        "allowedRolePatterns.0"),
                arguments("STS endpoint that is no URL", Map.of("stsEndpoint", "sts.amazonaws.com"), "stsEndpoint"),
                arguments("image digest shape", Map.of("image", Map.of("repository", "r", "pullPolicy", "Always",
                        "digest", "latest")), "image.digest"),
                arguments("pull policy", Map.of("image", Map.of("repository", "r", "pullPolicy", "Sometimes")),
                        "image.pullPolicy"),
                arguments("webhook failure policy", Map.of("webhook", Map.of("failurePolicy", "Retry")),
                        "webhook.failurePolicy"),
                arguments("webhook IP family", Map.of("webhook", Map.of("ipFamily", "dual")), "webhook.ipFamily"),
                arguments("update strategy", Map.of("updateStrategy", Map.of("type", "Recreate")),
                        "updateStrategy.type"),
                arguments("scrape interval Prometheus cannot read", Map.of("monitoring", Map.of("podMonitor",
                        Map.of("interval", "PT30S"))), "monitoring.podMonitor.interval"),
                arguments("monitoring switch as text", Map.of("monitoring", Map.of("podMonitor",
                        Map.of("enabled", "true"))), "monitoring.podMonitor.enabled"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void wrongValueFailsAtInstallWithAMessageNamingIt(String what, Map<String, Object> values, String message) {
        assertThatThrownBy(() -> Chart.render(values))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(message);
    }

    @Test
    void configAcceptsEveryServeFlagTheChartDoesNotSetAndNothingElse() throws IOException {
        Set<String> accepted = configKeys();
        Set<String> serveFlags = Main.commandLine(Map.of()).getSubcommands().get("serve").getCommandSpec()
                .options().stream().filter(o -> !o.usageHelp() && !o.versionHelp())
                .map(o -> o.longestName().replaceFirst("^--", "")).collect(Collectors.toCollection(TreeSet::new));

        Set<String> expected = new TreeSet<>(serveFlags);
        expected.removeAll(SET_BY_THE_CHART);
        assertThat(serveFlags).containsAll(SET_BY_THE_CHART);
        assertThat(accepted).isEqualTo(expected.stream().map(ValuesSchemaTest::camelCase)
                .collect(Collectors.toCollection(TreeSet::new)));
    }

    @Test
    void everyConfigKeyBecomesItsFlagsVariable() throws IOException {
        Map<String, String> variables = Main.commandLine(Map.of()).getSubcommands().get("serve").getCommandSpec()
                .options().stream().filter(o -> !o.usageHelp() && !o.versionHelp())
                .collect(Collectors.toMap(o -> camelCase(o.longestName().replaceFirst("^--", "")),
                        EnvironmentDefaults::variableFor));
        Map<String, Object> config = Map.ofEntries(
                Map.entry("containerListen", List.of("169.254.170.23:80")),
                Map.entry("issuer", "https://oidc.example.com"), Map.entry("podRoleAnnotation", "example.com/role"),
                Map.entry("baseRoleArn", "arn:aws:iam::111122223333:role/"), Map.entry("autoDiscoverBaseArn", false),
                Map.entry("defaultRole", "reader"), Map.entry("namespaceRestrictions", false),
                Map.entry("imdsv2Required", true), Map.entry("metadataAllowedPath", List.of("/latest/meta-data/mac")),
                Map.entry("metadataUpstream", "http://169.254.169.254"), Map.entry("metadataUpstreamTimeout", "2s"),
                Map.entry("sessionDuration", "1h"), Map.entry("refreshFraction", 0.8),
                Map.entry("refreshMinRemaining", "30m"), Map.entry("unknownIpWait", "1s"),
                Map.entry("cacheMaxIdentities", 100), Map.entry("shutdownTimeout", "20s"),
                Map.entry("logFormat", "json"), Map.entry("auditEveryGrant", true),
                Map.entry("requestDeadline", "1500ms"), Map.entry("stsFirstLoadTimeout", "1500ms"),
                Map.entry("failedLoadTtlUnavailable", "3s"), Map.entry("failedLoadTtlDenied", "30s"),
                Map.entry("maxConnectionsPerSource", 64));
        assertThat(config.keySet()).isEqualTo(configKeys());
        var install = ChartManifests.parse(Chart.render(RenderCase.withNamespace(Map.of("config", config))));
        Map<String, String> env = ChartRenderTest.env(io.iamlet.deploy.PodParts.container(
                install.daemonSet().getSpec().getTemplate().getSpec(), io.iamlet.deploy.PodParts.AGENT).orElseThrow());

        config.forEach((key, value) -> assertThat(env).as(key).containsEntry(variables.get(key),
                value instanceof List<?> list ? list.stream().map(String::valueOf).collect(Collectors.joining(","))
                        : String.valueOf(value)));
        ChartRenderTest.agentConfig(install);
    }

    private static Set<String> configKeys() throws IOException {
        JsonNode schema = StrictManifests.MAPPER.readTree(Chart.DIRECTORY.resolve("values.schema.json").toFile());
        return new TreeSet<>(schema.path("properties").path("config").path("properties").propertyNames());
    }

    private static String camelCase(String kebab) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
