package io.iamlet.webhook;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.iamlet.injection.InjectionNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Computes the JSON Patch (RFC 6902) that injects {@link Injection} into a pod that is entitled to a role.
 *
 * <p>Invariants: only additions, never a {@code replace} or {@code remove}, so nothing the user wrote changes; a
 * variable a container already sets (by value or valueFrom) is left as it is; a container that already mounts the
 * volume, or already has something at the mount path, gets no second mount (the API server would refuse the pod);
 * the volume is added once, and only if some container mounts it. Applying the patch and asking again yields an
 * empty patch, which is what makes {@code reinvocationPolicy: IfNeeded} safe.
 */
final class PodMutator {

    private final Injection injection;

    PodMutator(Injection injection) {
        this.injection = injection;
    }

    /** One JSON Patch operation; only {@code add} is ever produced. */
    record PatchOperation(String op, String path, Object value) {
        static PatchOperation add(String path, Object value) {
            return new PatchOperation("add", path, value);
        }
    }

    List<PatchOperation> patch(Pod pod) {
        PodSpec spec = pod.getSpec();
        if (spec == null) {
            return List.of();
        }
        Set<String> skipped = skippedContainers(pod);
        List<PatchOperation> containerOps = new ArrayList<>();
        boolean mounted = false;
        for (String field : List.of("initContainers", "containers")) {
            List<Container> containers = field.equals("containers") ? spec.getContainers() : spec.getInitContainers();
            for (int i = 0; i < size(containers); i++) {
                Container container = containers.get(i);
                if (skipped.contains(container.getName())) {
                    continue;
                }
                String prefix = "/spec/" + field + "/" + i;
                mounted |= inject(container, prefix, containerOps);
            }
        }
        List<PatchOperation> ops = new ArrayList<>();
        if (mounted && !hasVolume(spec)) {
            ops.add(size(spec.getVolumes()) == 0
                    ? PatchOperation.add("/spec/volumes", List.of(injection.volume()))
                    : PatchOperation.add("/spec/volumes/-", injection.volume()));
        }
        ops.addAll(containerOps);
        return List.copyOf(ops);
    }

    /** Adds this container's missing variables and mount; true if the container mounts the volume afterwards. */
    private boolean inject(Container container, String prefix, List<PatchOperation> ops) {
        Set<String> present = names(container.getEnv(), EnvVar::getName);
        List<EnvVar> missing = injection.variables().stream().filter(v -> !present.contains(v.getName())).toList();
        addAll(ops, prefix + "/env", size(container.getEnv()), missing);

        List<VolumeMount> mounts = container.getVolumeMounts();
        boolean mountsVolume = names(mounts, VolumeMount::getName).contains(InjectionNames.VOLUME_NAME);
        if (mountsVolume || names(mounts, VolumeMount::getMountPath).contains(InjectionNames.MOUNT_PATH)) {
            return mountsVolume;
        }
        addAll(ops, prefix + "/volumeMounts", size(mounts), List.of(injection.mount()));
        return true;
    }

    /** Appends {@code values} to the array at {@code path}, creating it when the container has none. */
    private static void addAll(List<PatchOperation> ops, String path, int existing, List<?> values) {
        if (values.isEmpty()) {
            return;
        }
        if (existing == 0) {
            // "add" on an absent or empty array member sets it whole; "-" would need the array to exist
            ops.add(PatchOperation.add(path, values));
            return;
        }
        for (Object value : values) {
            ops.add(PatchOperation.add(path + "/-", value));
        }
    }

    private static boolean hasVolume(PodSpec spec) {
        return names(spec.getVolumes(), Volume::getName).contains(InjectionNames.VOLUME_NAME);
    }

    private static Set<String> skippedContainers(Pod pod) {
        return InjectionNames.skippedContainers(pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations());
    }

    private static <T> Set<String> names(List<T> items, java.util.function.Function<T, String> name) {
        if (items == null) {
            return Set.of();
        }
        return items.stream().map(name).filter(Objects::nonNull).collect(Collectors.toUnmodifiableSet());
    }

    private static int size(List<?> list) {
        return list == null ? 0 : list.size();
    }
}
