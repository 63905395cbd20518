package io.iamlet.webhook;

import static io.iamlet.webhook.Pods.container;
import static io.iamlet.webhook.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.iamlet.injection.InjectionNames;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The patch's corner cases that the HTTPS table does not need a socket for. */
class PodMutatorTest {

    @Test
    void ipv6ClustersGetTheIpv6EndpointAndTheConfiguredTokenLifetime() {
        var mutator = new PodMutator(Injection.of(InjectionNames.IpFamily.IPV6, "pods.eks.amazonaws.com",
                Duration.ofHours(2)));

        List<PodMutator.PatchOperation> patch = mutator.patch(pod("shop", "a", container("app").build()).build());

        assertThat(patch).extracting(PodMutator.PatchOperation::path)
                .containsExactly("/spec/volumes", "/spec/containers/0/env", "/spec/containers/0/volumeMounts");
        assertThat((List<?>) patch.get(1).value()).first().isEqualTo(
                new EnvVar("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[fd00:ec2::23]/v1/credentials", null));
        Volume volume = (Volume) ((List<?>) patch.getFirst().value()).getFirst();
        assertThat(volume.getProjected().getSources().getFirst().getServiceAccountToken().getExpirationSeconds())
                .isEqualTo(7200L);
    }

    @Test
    void somethingAlreadyMountedAtTheTokenPathIsNotMountedOver() {
        Pod pod = pod("shop", "a", container("app").addToVolumeMounts(new VolumeMountBuilder().withName("mine")
                .withMountPath(InjectionNames.MOUNT_PATH).build()).build()).build();

        List<PodMutator.PatchOperation> patch = new PodMutator(Injection.of(InjectionNames.IpFamily.IPV4,
                InjectionNames.DEFAULT_AUDIENCE, Duration.ofHours(24))).patch(pod);

        assertThat(patch).extracting(PodMutator.PatchOperation::path).containsExactly("/spec/containers/0/env");
    }

    @Test
    void aVolumeOfTheSameNameTheUserDefinedIsNeitherReplacedNorDuplicated() {
        Pod pod = pod("shop", "a", container("app").build()).editSpec().addToVolumes(new VolumeBuilder()
                .withName(InjectionNames.VOLUME_NAME).withNewEmptyDir().endEmptyDir().build()).endSpec().build();

        List<PodMutator.PatchOperation> patch = new PodMutator(Injection.of(InjectionNames.IpFamily.IPV4,
                InjectionNames.DEFAULT_AUDIENCE, Duration.ofHours(24))).patch(pod);

        assertThat(patch).extracting(PodMutator.PatchOperation::path)
                .containsExactly("/spec/containers/0/env", "/spec/containers/0/volumeMounts");
    }

    @Test
    void tokenLifetimeBelowTheKubeletsMinimumIsRefusedNamingTheFlag() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> Injection.of(InjectionNames.IpFamily.IPV4, InjectionNames.DEFAULT_AUDIENCE, Duration.ofMinutes(5)))
                .withMessageContaining("--token-expiration");
    }
}
