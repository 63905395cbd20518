package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.iamlet.deploy.InstallValidator.Mode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped install renders, parses strictly and keeps every invariant of {@link InstallValidator}. */
class InstallManifestsTest {

    static Stream<Arguments> installs() {
        return Stream.of(
                arguments("daemonset/base", Mode.CONTAINER_ONLY),
                arguments("daemonset/overlays/pod-identity", Mode.CONTAINER_ONLY),
                arguments("daemonset/overlays/kube2iam", Mode.METADATA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installs")
    void rendersAnInstallThatKeepsEveryInvariant(String directory, Mode mode) {
        Install install = StrictManifests.parse(Kustomize.render(directory));

        assertThat(InstallValidator.validate(install, mode)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installs")
    void isRejectedWhenValidatedAsTheOtherMode(String directory, Mode mode) {
        Mode other = mode == Mode.METADATA ? Mode.CONTAINER_ONLY : Mode.METADATA;
        Install install = StrictManifests.parse(Kustomize.render(directory));

        assertThat(InstallValidator.validate(install, other)).isNotEmpty()
                .allSatisfy(violation -> assertThat(violation).containsAnyOf("metadata mode", "container-only mode"));
    }
}
