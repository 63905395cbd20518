package io.iamlet.webhook;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

/** Pods as a test writes them, and the injection as EKS Pod Identity writes it (spelled out, not computed). */
final class Pods {
    static final String URI_V4 = "http://169.254.170.23/v1/credentials";
    static final String TOKEN_FILE = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";

    private Pods() {}

    static PodBuilder pod(String namespace, String serviceAccount, Container... containers) {
        return new PodBuilder()
                .withNewMetadata().withGenerateName("app-").withNamespace(namespace).endMetadata()
                .withNewSpec().withServiceAccountName(serviceAccount).withContainers(containers).endSpec();
    }

    static ContainerBuilder container(String name) {
        return new ContainerBuilder().withName(name).withImage("example.com/" + name + ":1");
    }

    /** What EKS adds to a container: both variables and the read-only mount. */
    static ContainerBuilder injected(ContainerBuilder container) {
        return container
                .addToEnv(new EnvVar("AWS_CONTAINER_CREDENTIALS_FULL_URI", URI_V4, null))
                .addToEnv(new EnvVar("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", TOKEN_FILE, null))
                .addToVolumeMounts(new VolumeMountBuilder().withName("eks-pod-identity-token")
                        .withMountPath("/var/run/secrets/pods.eks.amazonaws.com/serviceaccount").withReadOnly(true)
                        .build());
    }

    /** The projected token volume EKS adds. */
    static PodBuilder withTokenVolume(PodBuilder pod) {
        return pod.editSpec().addToVolumes(new VolumeBuilder().withName("eks-pod-identity-token")
                .withNewProjected().addNewSource().withNewServiceAccountToken()
                .withAudience("pods.eks.amazonaws.com").withExpirationSeconds(86400L).withPath("eks-pod-identity-token")
                .endServiceAccountToken().endSource().endProjected().build()).endSpec();
    }

    static Pod copy(Pod pod) {
        return new PodBuilder(pod).build();
    }
}
