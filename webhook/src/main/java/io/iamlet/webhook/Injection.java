package io.iamlet.webhook;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.iamlet.injection.InjectionNames;
import java.time.Duration;
import java.util.List;

/**
 * What the webhook adds to a pod, with EKS Pod Identity's names and paths so that a workload moves between EKS and
 * other clusters unchanged (the names live in {@link InjectionNames}, which the node agent shares to report pods
 * that missed the injection): the two variables the AWS SDKs read for the container credential provider, and one
 * projected service-account token volume mounted read-only.
 *
 * @param credentialsUri the agent's endpoint, IPv4 or IPv6 ({@link InjectionNames.IpFamily})
 * @param audience       the projected token's audience; must equal the agent's {@code --audience}
 * @param expiration     the projected token's lifetime (the kubelet rotates it at 80%)
 */
public record Injection(String credentialsUri, String audience, Duration expiration) {

    /** The kubelet refuses projected tokens that live less than ten minutes. */
    static final Duration MIN_EXPIRATION = Duration.ofMinutes(10);

    public Injection {
        if (audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("--audience must not be empty");
        }
        if (expiration.compareTo(MIN_EXPIRATION) < 0) {
            throw new IllegalArgumentException("--token-expiration must be at least 10m (the kubelet's minimum), was "
                    + expiration);
        }
    }

    public static Injection of(InjectionNames.IpFamily family, String audience, Duration expiration) {
        return new Injection(family.credentialsUri(), audience, expiration);
    }

    List<EnvVar> variables() {
        return List.of(new EnvVar(InjectionNames.CREDENTIALS_URI_VARIABLE, credentialsUri, null),
                new EnvVar(InjectionNames.TOKEN_FILE_VARIABLE, InjectionNames.TOKEN_FILE, null));
    }

    Volume volume() {
        return new VolumeBuilder().withName(InjectionNames.VOLUME_NAME)
                .withNewProjected()
                .addNewSource()
                .withNewServiceAccountToken()
                .withAudience(audience)
                .withExpirationSeconds(expiration.toSeconds())
                .withPath(InjectionNames.TOKEN_FILE_NAME)
                .endServiceAccountToken()
                .endSource()
                .endProjected()
                .build();
    }

    VolumeMount mount() {
        return new VolumeMountBuilder().withName(InjectionNames.VOLUME_NAME).withMountPath(InjectionNames.MOUNT_PATH)
                .withReadOnly(true).build();
    }
}
