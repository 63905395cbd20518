package io.iamlet.associations;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** daemonset/base/crd-podidentityassociations.yaml is generated from the Java types; this fails when they drift. */
class CrdManifestTest {

    static final String FILE = "daemonset/base/crd-podidentityassociations.yaml";

    /** The CRD as fabric8's generator writes it for the current types. */
    static String generate() {
        var out = new ByteArrayOutputStream();
        new CRDGenerator()
                .withOutput(new CRDGenerator.CRDOutput<ByteArrayOutputStream>() {
                    @Override
                    public ByteArrayOutputStream outputFor(String crdName) {
                        return out;
                    }

                    @Override
                    public void close() {
                    }
                })
                .withPostProcessor(new CRDPostProcessor() {
                    @Override
                    public HasMetadata process(HasMetadata crd, String specVersion) {
                        return columnsInReadingOrder(crd);
                    }
                })
                .forCRDVersions("v1")
                .customResourceClasses(PodIdentityAssociation.class)
                .generate();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The generator sorts printer columns by JSON path (Age first); kubectl shows them in list order. */
    private static HasMetadata columnsInReadingOrder(HasMetadata crd) {
        List<String> order = List.of("Namespace", "ServiceAccount", "Role", "Target", "Ready", "Age");
        for (var version : ((CustomResourceDefinition) crd).getSpec().getVersions()) {
            version.getAdditionalPrinterColumns().sort(Comparator.comparingInt(c -> order.indexOf(c.getName())));
        }
        return crd;
    }

    static CustomResourceDefinition checkedIn() throws Exception {
        return Serialization.unmarshal(Files.readString(repoFile(FILE)), CustomResourceDefinition.class);
    }

    static Path repoFile(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("daemonset/base"))) {
                return dir.resolve(relative);
            }
        }
        throw new IllegalStateException("no daemonset/base above " + Path.of("").toAbsolutePath());
    }

    @Test
    void checkedInCrdMatchesTheJavaTypes() throws Exception {
        String expected = generate();
        Path file = repoFile(FILE);
        if (Boolean.getBoolean("iamlet.crd.write")) {
            Files.writeString(file, expected);
        }
        assertThat(file).as("regenerate with: ./mvnw -pl agent -am test -Dtest=CrdManifestTest -Diamlet.crd.write=true"
                + " -Dsurefire.failIfNoSpecifiedTests=false").exists();
        assertThat(Files.readString(file)).isEqualTo(expected);
    }

    @Test
    void isClusterScopedWithAStatusSubresource() throws Exception {
        CustomResourceDefinition crd = checkedIn();
        assertThat(crd.getMetadata().getName()).isEqualTo(PodIdentityAssociation.RESOURCE);
        assertThat(crd.getSpec().getScope()).isEqualTo("Cluster");
        assertThat(crd.getSpec().getGroup()).isEqualTo("iamlet.io");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("PodIdentityAssociation");
        assertThat(crd.getSpec().getVersions()).singleElement().satisfies(v -> {
            assertThat(v.getName()).isEqualTo("v1alpha1");
            assertThat(v.getServed()).isTrue();
            assertThat(v.getStorage()).isTrue();
            assertThat(v.getSubresources().getStatus()).isNotNull();
        });
    }

    @Test
    void schemaRequiresTheMappingAndValidatesItWithCel() throws Exception {
        JSONSchemaProps spec = specSchema(checkedIn());
        assertThat(spec.getRequired()).containsExactlyInAnyOrder("namespace", "serviceAccount", "roleArn");
        assertThat(rules(spec.getProperties().get("roleArn"))).anySatisfy(r -> assertThat(r).contains("iam::[0-9]{12}"));
        assertThat(rules(spec.getProperties().get("targetRoleArn")))
                .isEqualTo(rules(spec.getProperties().get("roleArn")));
        assertThat(rules(spec.getProperties().get("namespace"))).anySatisfy(r -> assertThat(r).contains("**"));
        assertThat(rules(spec)).contains("!has(self.externalId) || has(self.targetRoleArn)");
        assertThat(spec.getProperties().get("sessionTags").getMaxItems()).isEqualTo(40L);
    }

    static JSONSchemaProps specSchema(CustomResourceDefinition crd) {
        return crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    static List<String> rules(JSONSchemaProps props) {
        List<ValidationRule> rules = props.getXKubernetesValidations();
        return rules == null ? List.of() : rules.stream().map(ValidationRule::getRule).toList();
    }
}
