package io.iamlet.injection;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which containers of a pod run without the container-credentials settings ({@link InjectionNames}), so that their
 * SDK falls through its credential chain (to the node's role, where reachable) instead of asking iamlet.
 *
 * <p>A container is fine when it sets both variables (injected, or set by its owner, who then chose where the token
 * comes from), and, when its token file is the injected path, something is mounted there. Containers named in the
 * skip annotation are the owner's explicit choice and never count. Init containers count like the others: the
 * webhook injects them too.
 */
public final class MissingInjection {

    private MissingInjection() {
    }

    /** Names of the containers (init containers first) that lack the settings; empty when the pod is fine. */
    public static List<String> containers(Pod pod) {
        if (pod.getSpec() == null) {
            return List.of();
        }
        Set<String> skipped = InjectionNames.skippedContainers(
                pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations());
        List<String> missing = new ArrayList<>();
        Stream.concat(stream(pod.getSpec().getInitContainers()), stream(pod.getSpec().getContainers()))
                .filter(c -> !skipped.contains(c.getName()))
                .filter(c -> !configured(c))
                .forEach(c -> missing.add(c.getName()));
        return List.copyOf(missing);
    }

    private static boolean configured(Container container) {
        List<EnvVar> env = container.getEnv() == null ? List.of() : container.getEnv();
        EnvVar uri = find(env, InjectionNames.CREDENTIALS_URI_VARIABLE);
        EnvVar tokenFile = find(env, InjectionNames.TOKEN_FILE_VARIABLE);
        if (uri == null || tokenFile == null) {
            return false;
        }
        if (!InjectionNames.TOKEN_FILE.equals(tokenFile.getValue())) {
            return true; // the owner's own token file (or valueFrom): their choice
        }
        List<VolumeMount> mounts = container.getVolumeMounts() == null ? List.of() : container.getVolumeMounts();
        return mounts.stream().anyMatch(m -> InjectionNames.MOUNT_PATH.equals(m.getMountPath()));
    }

    private static EnvVar find(List<EnvVar> env, String name) {
        return env.stream().filter(v -> name.equals(v.getName())).findFirst().orElse(null);
    }

    private static Stream<Container> stream(List<Container> containers) {
        return containers == null ? Stream.empty() : containers.stream().filter(Objects::nonNull);
    }
}
