package io.iamlet.injection;

import io.iamlet.pods.PodView;
import io.iamlet.pods.PodView.Container;
import io.iamlet.pods.PodView.EnvVar;
import io.iamlet.pods.PodView.VolumeMount;
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
    public static List<String> containers(PodView pod) {
        if (pod.getSpec() == null) {
            return List.of();
        }
        Set<String> skipped = InjectionNames.skippedContainers(
                pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations());
        List<String> missing = new ArrayList<>();
        Stream.concat(stream(pod.getSpec().initContainers()), stream(pod.getSpec().containers()))
                .filter(c -> !skipped.contains(c.name()))
                .filter(c -> !configured(c))
                .forEach(c -> missing.add(c.name()));
        return List.copyOf(missing);
    }

    private static boolean configured(Container container) {
        List<EnvVar> env = container.env() == null ? List.of() : container.env();
        EnvVar uri = find(env, InjectionNames.CREDENTIALS_URI_VARIABLE);
        EnvVar tokenFile = find(env, InjectionNames.TOKEN_FILE_VARIABLE);
        if (uri == null || tokenFile == null) {
            return false;
        }
        if (!InjectionNames.TOKEN_FILE.equals(tokenFile.value())) {
            return true; // the owner's own token file (or valueFrom): their choice
        }
        List<VolumeMount> mounts = container.volumeMounts() == null ? List.of() : container.volumeMounts();
        return mounts.stream().anyMatch(m -> m != null && InjectionNames.MOUNT_PATH.equals(m.mountPath()));
    }

    private static EnvVar find(List<EnvVar> env, String name) {
        return env.stream().filter(v -> v != null && name.equals(v.name())).findFirst().orElse(null);
    }

    private static Stream<Container> stream(List<Container> containers) {
        return containers == null ? Stream.empty() : containers.stream().filter(Objects::nonNull);
    }
}
