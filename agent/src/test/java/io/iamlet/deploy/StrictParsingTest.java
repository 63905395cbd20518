package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The manifests are parsed as strictly as the API server would: mistakes fail instead of being dropped. */
class StrictParsingTest {
    private static final String BASE = "daemonset/base";

    @Test
    void rejectsAMisspeltField() {
        List<JsonNode> documents = StrictManifests.documents(Kustomize.render(BASE));
        assertThatCode(() -> StrictManifests.bind(documents)).doesNotThrowAnyException();

        ((ObjectNode) daemonSet(documents).at("/spec/template/spec")).put("hostNetwok", true);

        assertThatThrownBy(() -> StrictManifests.bind(documents))
                .isInstanceOf(JacksonException.class).hasMessageContaining("hostNetwok");
    }

    @Test
    void rejectsAFieldNestedAtTheWrongLevel() {
        List<JsonNode> documents = StrictManifests.documents(Kustomize.render(BASE));
        ObjectNode agent = (ObjectNode) daemonSet(documents).at("/spec/template/spec/containers/0");
        agent.put("runAsNonRoot", true);

        assertThatThrownBy(() -> StrictManifests.bind(documents))
                .isInstanceOf(JacksonException.class).hasMessageContaining("runAsNonRoot");
    }

    @Test
    void rejectsAQuotedBoolean() {
        List<JsonNode> documents = StrictManifests.documents(Kustomize.render(BASE));
        ((ObjectNode) daemonSet(documents).at("/spec/template/spec")).put("hostNetwork", "true");

        assertThatThrownBy(() -> StrictManifests.bind(documents)).isInstanceOf(JacksonException.class);
    }

    @Test
    void rejectsAnUnquotedNumberAsAnEnvValue() {
        List<JsonNode> documents = StrictManifests.documents(Kustomize.render("daemonset/overlays/kube2iam"));
        JsonNode env = daemonSet(documents).at("/spec/template/spec/initContainers/0/env");
        for (JsonNode variable : env) {
            if (variable.path("name").asString().equals("IAMLET_METADATA_PORT")) {
                ((ObjectNode) variable).put("value", 8181);
            }
        }

        assertThatThrownBy(() -> StrictManifests.bind(documents)).isInstanceOf(JacksonException.class);
    }

    @Test
    void rejectsADuplicateKey() {
        String yaml = """
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: iamlet
                  name: other
                """;

        assertThatThrownBy(() -> StrictManifests.parse(yaml))
                .isInstanceOf(JacksonException.class).hasMessageContaining("name");
    }

    @Test
    void rejectsAKindWithoutAStrictModel() {
        String yaml = """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: aws
                """;

        assertThatThrownBy(() -> StrictManifests.parse(yaml))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v1/Secret");
    }

    @Test
    void rejectsAMisspeltPodMonitorField() {
        String rendered = Kustomize.render("daemonset/monitoring");
        assertThat(StrictManifests.parse(rendered).one(PodMonitor.class).spec().podMetricsEndpoints()).isNotEmpty();

        String misspelt = rendered.replace("podMetricsEndpoints:", "podMetricEndpoints:");

        assertThat(misspelt).isNotEqualTo(rendered);
        assertThatThrownBy(() -> StrictManifests.parse(misspelt))
                .isInstanceOf(JacksonException.class).hasMessageContaining("podMetricEndpoints");
    }

    private static JsonNode daemonSet(List<JsonNode> documents) {
        return documents.stream().filter(d -> d.path("kind").asString().equals("DaemonSet")).findFirst().orElseThrow();
    }
}
