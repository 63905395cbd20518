package io.iamlet.deploy;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.type.LogicalType;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Parses manifests into fabric8's model as strictly as the API server's strict field validation, so that a typo
 * ({@code hostNetwok}), a misplaced field or a value of the wrong type fails the test instead of vanishing.
 *
 * <p>fabric8's own {@code KubernetesSerialization} is lenient on purpose: every model class has a
 * {@code @JsonAnySetter} that collects unknown fields into {@code additionalProperties}, and its
 * {@code UnmatchedFieldTypeModule} does the same for values of the wrong type. So this mapper is built
 * separately from the model classes: any-setters are ignored (unknown fields then reach
 * FAIL_ON_UNKNOWN_PROPERTIES), scalars are not coerced (YAML {@code "true"} is not a boolean, {@code 8181} is not
 * a string, as in Go's decoder) and duplicate keys fail. Each document is bound to the class named by its
 * apiVersion and kind; a kind without a model here fails rather than passing unchecked.
 */
public final class StrictManifests {
    public static final ObjectMapper MAPPER = YAMLMapper.builder()
            .annotationIntrospector(new IgnoreAnySetters())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, config -> config
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private static final Map<String, Class<?>> MODELS = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("apiextensions.k8s.io/v1/CustomResourceDefinition", CustomResourceDefinition.class),
            Map.entry("v1/ResourceQuota", ResourceQuota.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/Pod", Pod.class),
            Map.entry("apps/v1/DaemonSet", DaemonSet.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
            Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
            Map.entry("policy/v1/PodDisruptionBudget", WebhookObjects.PodDisruptionBudget.class),
            Map.entry("admissionregistration.k8s.io/v1/MutatingWebhookConfiguration",
                    WebhookObjects.MutatingWebhookConfiguration.class),
            Map.entry("cert-manager.io/v1/Issuer", WebhookObjects.Issuer.class),
            Map.entry("cert-manager.io/v1/Certificate", WebhookObjects.Certificate.class));

    private StrictManifests() {}

    public static Install parse(String yaml) {
        return bind(documents(yaml));
    }

    /** The documents of a multi-document YAML stream as trees (for tests that break them on purpose). */
    public static List<JsonNode> documents(String yaml) {
        return MAPPER.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll().stream()
                .filter(document -> !document.isNull() && !document.isMissingNode())
                .toList();
    }

    public static Install bind(List<JsonNode> documents) {
        return new Install(documents.stream().map(StrictManifests::bind).toList());
    }

    private static Object bind(JsonNode document) {
        String type = document.path("apiVersion").asString("") + "/" + document.path("kind").asString("");
        Class<?> model = MODELS.get(type);
        if (model == null) {
            throw new IllegalArgumentException("no strict model for " + type + " ("
                    + document.path("metadata").path("name") + "): add one to StrictManifests.MODELS");
        }
        return MAPPER.treeToValue(document, model);
    }

    /** Leaves unknown properties to FAIL_ON_UNKNOWN_PROPERTIES instead of fabric8's additionalProperties. */
    private static final class IgnoreAnySetters extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean hasAnySetter(MapperConfig<?> config, Annotated annotated) {
            return Boolean.FALSE;
        }
    }
}
