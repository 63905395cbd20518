package io.iamlet.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.iamlet.config.AgentConfig;
import io.iamlet.config.CredentialSourceKind;
import io.iamlet.config.ServeOptions;
import io.iamlet.deploy.Install;
import io.iamlet.deploy.InstallValidator;
import io.iamlet.deploy.InstallValidator.Mode;
import io.iamlet.deploy.PodParts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every row of {@link RenderCase#TABLE} renders through Helm, parses strictly, keeps every invariant the kustomize
 * installs keep (io.iamlet.deploy's rules), and yields a configuration the agent itself accepts: the rendered
 * environment and arguments go through {@code iamlet serve}'s own parser and validation. The object counts per row
 * are written to target/chart-render-table.md.
 */
class ChartRenderTest {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Map<String, String> TABLE = new TreeMap<>();

    @ParameterizedTest(name = "{0}")
    @FieldSource("io.iamlet.charts.RenderCase#TABLE")
    void rendersAnInstallThatKeepsEveryInvariantAndStartsTheAgent(RenderCase row) {
        Install install = ChartManifests.parse(Chart.render(row.values()));
        List<String> violations = InstallValidator.validate(ChartManifests.agentPart(Chart.render(row.values())),
                row.mode());
        if ("both".equals(row.values().get("mode"))) {
            // both = kube2iam's metadata path with web-identity kept on the container endpoint: the one rule of
            // the kube2iam overlay it departs from on purpose.
            assertThat(violations).containsExactly("metadata mode: the credential source must be assume-role, "
                    + "was web-identity");
        } else {
            assertThat(violations).isEmpty();
        }

        AgentConfig config = agentConfig(install);
        assertThat(config.metadataEnabled()).isEqualTo(row.mode() == Mode.METADATA);
        assertThat(config.credentialSource()).isEqualTo("kube2iam".equals(row.values().get("mode"))
                ? CredentialSourceKind.ASSUME_ROLE : CredentialSourceKind.WEB_IDENTITY);
        TABLE.put(row.name(), install.objects().stream()
                .collect(Collectors.groupingBy(o -> o.getClass().getSimpleName(), TreeMap::new, Collectors.counting()))
                .entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "))
                + " | " + install.objects().size());
    }

    @Test
    void valuesReachTheAgentAsItsOwnSettings() {
        RenderCase row = RenderCase.TABLE.get(3);
        Install install = ChartManifests.parse(Chart.render(row.values()));
        AgentConfig config = agentConfig(install);
        Container init = PodParts.initContainer(pod(install), PodParts.NODE_SETUP).orElseThrow();

        assertThat(config.metadataListen()).containsExactly("10.0.0.7:8282");
        assertThat(config.clusterName()).isEqualTo("prod-eu");
        assertThat(config.allowedRolePatterns()).containsExactly("arn:aws:iam::111122223333:role/app-*");
        assertThat(config.metadata().imdsv2Required()).isTrue();
        assertThat(config.metadata().defaultRole()).isEqualTo("default-reader");
        assertThat(config.metadata().allowedPaths()).containsExactly("/latest/meta-data/instance-id",
                "/latest/meta-data/placement/region");
        assertThat(PodParts.setting(init, "--metadata-port", "IAMLET_METADATA_PORT", null)).hasValue("8282");
        assertThat(PodParts.setting(init, "--pod-interface", "IAMLET_POD_INTERFACE", null)).hasValue("cali+,cni0");
        assertThat(env(PodParts.container(pod(install), PodParts.AGENT).orElseThrow())).containsEntry(
                "AWS_REGION", "eu-central-1");

        AgentConfig tuned = agentConfig(ChartManifests.parse(Chart.render(RenderCase.TABLE.get(4).values())));
        assertThat(tuned.roleSource().toString()).isEqualTo("both");
        assertThat(tuned.audience()).isEqualTo("sts.amazonaws.com");
        assertThat(tuned.roleAnnotation()).isEqualTo("iamlet.io/role");
        assertThat(tuned.stsEndpoint()).hasToString("https://sts.us-gov-west-1.amazonaws.com");
        assertThat(tuned.sessionDuration()).hasHours(2);
        assertThat(tuned.refreshFraction()).isEqualTo(0.75);
        assertThat(tuned.cacheMaxIdentities()).isEqualTo(1_000_000);
        assertThat(tuned.shutdownTimeout()).hasSeconds(15);
        assertThat(tuned.auditEveryGrant()).isTrue();
    }

    @Test
    void imageExtrasAndSchedulingValuesLandOnThePod() {
        Install install = ChartManifests.parse(Chart.render(RenderCase.TABLE.get(5).values()));
        PodSpec pod = pod(install);
        Container agent = PodParts.container(pod, PodParts.AGENT).orElseThrow();

        assertThat(agent.getImage()).isEqualTo("registry.example.com/iamlet@sha256:" + "0123456789abcdef".repeat(4));
        assertThat(pod.getInitContainers().getFirst().getImage()).isEqualTo(agent.getImage());
        assertThat(agent.getImagePullPolicy()).isEqualTo("Always");
        assertThat(pod.getImagePullSecrets()).singleElement().satisfies(s -> assertThat(s.getName())
                .isEqualTo("registry-creds"));
        assertThat(agent.getArgs()).containsExactly("serve", "--max-connections-per-source=32");
        assertThat(agentConfig(install).faults().maxConnectionsPerSource()).isEqualTo(32);
        assertThat(env(agent)).containsEntry("HTTPS_PROXY", "http://proxy:3128").containsEntry("NO_PROXY", "10.0.0.0/8");
        assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()).hasSize(1);
        assertThat(install.daemonSet().getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("example.com/team", "platform");
        assertThat(agent.getResources().getLimits().get("memory")).hasToString("384Mi");
    }

    @Test
    void defaultValuesLeaveTheNamespaceToTheOperatorAndInstallNoWebhookNorMonitoring() {
        Install defaults = ChartManifests.parse(Chart.render(Map.of()));
        Install withNamespace = ChartManifests.parse(Chart.render(RenderCase.TABLE.getFirst().values()));

        assertThat(defaults.all(Namespace.class)).isEmpty();
        assertThat(defaults.objects()).hasSize(withNamespace.objects().size() - 1);
        assertThat(defaults.all(Deployment.class)).isEmpty();
        assertThat(defaults.all(ConfigMap.class)).isEmpty();
        assertThat(defaults.objects()).noneMatch(o -> o.getClass().getEnclosingClass() == MonitoringObjects.class
                || o instanceof io.iamlet.deploy.PodMonitor);
        assertThat(defaults.all(CustomResourceDefinition.class)).singleElement().satisfies(crd ->
                assertThat(crd.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep"));
    }

    @Test
    void theMetadataPathWithoutAClusterNameFailsAtInstall() {
        assertThatThrownBy(() -> Chart.render(Map.of("mode", "both")))
                .hasMessageContaining("clusterName");
    }

    @Test
    void theChartsCrdIsTheGeneratedOne() throws IOException {
        assertThat(Chart.DIRECTORY.resolve("files/crd-podidentityassociations.yaml"))
                .hasSameTextualContentAs(io.iamlet.deploy.Repo.path("daemonset/base/crd-podidentityassociations.yaml"));
    }

    @AfterAll
    static void writeTheTable() throws IOException {
        StringBuilder out = new StringBuilder("| values rendered | objects by kind | total |\n|---|---|---|\n");
        TABLE.forEach((name, counts) -> out.append("| ").append(name).append(" | ").append(counts).append(" |\n"));
        Path file = Path.of("target/chart-render-table.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, out);
    }

    /** The agent's configuration as `iamlet serve` would build it on a node from this DaemonSet. */
    static AgentConfig agentConfig(Install install) {
        Container agent = PodParts.container(pod(install), PodParts.AGENT).orElseThrow();
        Map<String, String> env = env(agent);
        List<String> args = agent.getArgs().subList(1, agent.getArgs().size());
        return ServeOptions.parse(env, args.toArray(String[]::new));
    }

    /** The container's environment as the kubelet sets it: downward-API fields filled, $(VAR) expanded. */
    static Map<String, String> env(Container container) {
        Map<String, String> env = new HashMap<>();
        for (EnvVar var : PodParts.list(container.getEnv())) {
            String value;
            if (var.getValueFrom() != null) {
                value = switch (var.getValueFrom().getFieldRef().getFieldPath()) {
                    case "spec.nodeName" -> "node-1";
                    case "status.hostIP" -> "10.0.0.7";
                    default -> throw new AssertionError("unexpected downward-API field in " + var);
                };
            } else {
                Matcher m = REFERENCE.matcher(var.getValue());
                value = m.replaceAll(r -> Matcher.quoteReplacement(env.getOrDefault(r.group(1), r.group())));
            }
            env.put(var.getName(), value);
        }
        return env;
    }

    private static PodSpec pod(Install install) {
        DaemonSet ds = install.daemonSet();
        return ds.getSpec().getTemplate().getSpec();
    }
}
