package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The example workloads are what an unmodified SDK needs, and the checks that say so can fail. */
class ExamplesTest {
    private static final String POD_IDENTITY = "daemonset/examples/pod-identity";
    private static final String KUBE2IAM = "daemonset/examples/kube2iam";

    @Test
    void podIdentityExampleHandsTheSdkAProjectedTokenForIamlet() {
        assertThat(ExampleRules.podIdentity(render(POD_IDENTITY))).isEmpty();
    }

    @Test
    void kube2iamExamplePodAsksForARoleItsNamespaceAllows() {
        assertThat(ExampleRules.kube2iam(render(KUBE2IAM))).isEmpty();
    }

    /** A YAML block scalar (`audience: |`) ends the value with a newline: the token would be for another audience. */
    @Test
    void flagsAnAudienceWrittenAsABlockScalar() {
        String rendered = Kustomize.render(POD_IDENTITY);
        String blockScalar = rendered.replace("audience: pods.eks.amazonaws.com",
                "audience: |\n                pods.eks.amazonaws.com");
        assertThat(blockScalar).isNotEqualTo(rendered);

        assertThat(ExampleRules.podIdentity(StrictManifests.parse(blockScalar)))
                .anySatisfy(v -> assertThat(v).contains("audience must be exactly", "pods.eks.amazonaws.com\\n"));
    }

    static Stream<Arguments> brokenPodIdentity() {
        return Stream.of(
                broken("with the API server's audience",
                        i -> token(i).setAudience("https://kubernetes.default.svc"), "audience must be exactly"),
                broken("with a token shorter-lived than the API server allows",
                        i -> token(i).setExpirationSeconds(300L), "at least 600"),
                broken("with the token file elsewhere", i -> env(i, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                        f -> f + "x"), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE must be"),
                broken("with the ECS address", i -> env(i, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        u -> "http://169.254.170.2/v1/credentials"), "AWS_CONTAINER_CREDENTIALS_FULL_URI must be"),
                broken("with a static token as well", i -> pod(i).getSpec().getContainers().getFirst().getEnv()
                        .add(new EnvVarBuilder().withName("AWS_CONTAINER_AUTHORIZATION_TOKEN").withValue("t").build()),
                        "must not set AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                broken("with a writable token mount", i -> pod(i).getSpec().getContainers().getFirst()
                        .getVolumeMounts().getFirst().setReadOnly(null), "read-only"),
                broken("without a role on the account", i -> i.one(ServiceAccount.class).getMetadata()
                        .getAnnotations().clear(), "eks.amazonaws.com/role-arn"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPodIdentity")
    void flagsABrokenPodIdentityExample(Consumer<Install> breakIt, String expected) {
        Install install = render(POD_IDENTITY);
        breakIt.accept(install);

        assertThat(ExampleRules.podIdentity(install)).anySatisfy(v -> assertThat(v).contains(expected));
    }

    static Stream<Arguments> brokenKube2iam() {
        return Stream.of(
                broken("asking for another team's role", i -> pod(i).getMetadata().getAnnotations()
                        .put("iam.amazonaws.com/role", "arn:aws:iam::111122223333:role/team-b-reader"),
                        "does not include the pod's role"),
                broken("with a policy that is not JSON", i -> i.one(Namespace.class).getMetadata().getAnnotations()
                        .put("iam.amazonaws.com/allowed-roles", "[arn:aws:iam::111122223333:role/team-a-*]"),
                        "must be a JSON array"),
                broken("with a role name instead of an ARN", i -> pod(i).getMetadata().getAnnotations()
                        .put("iam.amazonaws.com/role", "team-a-reader"), "must name a role ARN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenKube2iam")
    void flagsABrokenKube2iamExample(Consumer<Install> breakIt, String expected) {
        Install install = render(KUBE2IAM);
        breakIt.accept(install);

        assertThat(ExampleRules.kube2iam(install)).anySatisfy(v -> assertThat(v).contains(expected));
    }

    private static Arguments broken(String description, Consumer<Install> breakIt, String expected) {
        return arguments(named(description, breakIt), expected);
    }

    private static Install render(String directory) {
        return StrictManifests.parse(Kustomize.render(directory));
    }

    private static Pod pod(Install install) {
        return install.one(Pod.class);
    }

    private static ServiceAccountTokenProjection token(Install install) {
        return pod(install).getSpec().getVolumes().getFirst().getProjected().getSources().getFirst()
                .getServiceAccountToken();
    }

    private static void env(Install install, String name, UnaryOperator<String> change) {
        var variable = PodParts.env(pod(install).getSpec().getContainers().getFirst(), name).orElseThrow();
        variable.setValue(change.apply(variable.getValue()));
    }
}
