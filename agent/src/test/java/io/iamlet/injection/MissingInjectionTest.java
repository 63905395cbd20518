package io.iamlet.injection;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.iamlet.pods.PodViews;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MissingInjectionTest {

    private static ContainerBuilder bare(String name) {
        return new ContainerBuilder().withName(name).withImage("registry.example/app:1");
    }

    /** What the webhook adds to a container. */
    private static Container injected(String name) {
        return bare(name)
                .addNewEnv().withName(InjectionNames.CREDENTIALS_URI_VARIABLE)
                    .withValue(InjectionNames.IpFamily.IPV4.credentialsUri()).endEnv()
                .addNewEnv().withName(InjectionNames.TOKEN_FILE_VARIABLE).withValue(InjectionNames.TOKEN_FILE).endEnv()
                .addNewVolumeMount().withName(InjectionNames.VOLUME_NAME).withMountPath(InjectionNames.MOUNT_PATH)
                    .withReadOnly(true).endVolumeMount()
                .build();
    }

    private static List<String> containers(Pod pod) {
        return MissingInjection.containers(PodViews.of(pod));
    }

    private static Pod pod(Map<String, String> annotations, List<Container> init, List<Container> containers) {
        return new PodBuilder().withNewMetadata().withNamespace("shop").withName("web-1").withAnnotations(annotations)
                .endMetadata().withNewSpec().withInitContainers(init).withContainers(containers).endSpec().build();
    }

    @Test
    void aPodTheWebhookMutatedMissesNothing() {
        assertThat(containers(pod(Map.of(), List.of(injected("setup")),
                List.of(injected("app"), injected("proxy"))))).isEmpty();
    }

    @Test
    void namesEveryContainerWithoutTheInjectionInitContainersFirst() {
        assertThat(containers(pod(Map.of(), List.of(bare("setup").build()),
                List.of(injected("app"), bare("proxy").build())))).containsExactly("setup", "proxy");
    }

    @Test
    void containersTheSkipAnnotationNamesDoNotCount() {
        Pod pod = pod(Map.of(InjectionNames.SKIP_CONTAINERS_ANNOTATION, " proxy ,log"), List.of(),
                List.of(injected("app"), bare("proxy").build(), bare("log").build()));

        assertThat(containers(pod)).isEmpty();
    }

    @Test
    void variablesTheOwnerSetPointingAtTheirOwnTokenAreTheirChoice() {
        Container own = bare("app")
                .addNewEnv().withName(InjectionNames.CREDENTIALS_URI_VARIABLE).withValue("http://127.0.0.1:9911/creds").endEnv()
                .addNewEnv().withName(InjectionNames.TOKEN_FILE_VARIABLE).withValue("/secrets/token").endEnv()
                .build();

        assertThat(containers(pod(Map.of(), List.of(), List.of(own)))).isEmpty();
    }

    @Test
    void theVariablesWithoutTheTokenVolumeAreAMiss() {
        Container noVolume = bare("app")
                .addNewEnv().withName(InjectionNames.CREDENTIALS_URI_VARIABLE)
                    .withValue(InjectionNames.IpFamily.IPV4.credentialsUri()).endEnv()
                .addNewEnv().withName(InjectionNames.TOKEN_FILE_VARIABLE).withValue(InjectionNames.TOKEN_FILE).endEnv()
                .build();
        Container oneVariable = bare("sidecar")
                .addNewEnv().withName(InjectionNames.CREDENTIALS_URI_VARIABLE)
                    .withValue(InjectionNames.IpFamily.IPV4.credentialsUri()).endEnv()
                .build();

        assertThat(containers(pod(Map.of(), List.of(), List.of(noVolume, oneVariable))))
                .containsExactly("app", "sidecar");
    }
}
