package io.iamlet.deploy;

import static io.iamlet.deploy.PodParts.AGENT;
import static io.iamlet.deploy.PodParts.NODE_SETUP;
import static io.iamlet.deploy.PodParts.container;
import static io.iamlet.deploy.PodParts.list;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetUpdateStrategy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Pod-level invariants of the agent's DaemonSet: placement, rollout, namespace, image and volumes. */
final class AgentPodRules {
    private static final String XTABLES_LOCK = "/run/xtables.lock";

    private AgentPodRules() {}

    static void check(Install install, Violations v) {
        DaemonSet ds = install.daemonSet();
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        String namespace = ds.getMetadata().getNamespace();

        v.require(Boolean.TRUE.equals(pod.getHostNetwork()),
                "hostNetwork must be true: pods reach the agent at link-local addresses on their node");
        v.require("ClusterFirstWithHostNet".equals(pod.getDnsPolicy()),
                "dnsPolicy must be ClusterFirstWithHostNet on the host network, was %s", pod.getDnsPolicy());
        v.require("system-node-critical".equals(pod.getPriorityClassName()),
                "priorityClassName must be system-node-critical, was %s", pod.getPriorityClassName());
        v.require(list(pod.getTolerations()).stream().anyMatch(t -> "Exists".equals(t.getOperator())
                        && isBlank(t.getKey()) && isBlank(t.getEffect())),
                "the pod must tolerate every taint (operator Exists without key or effect)");
        Map<String, String> nodeSelector = pod.getNodeSelector() == null ? Map.of() : pod.getNodeSelector();
        v.require("linux".equals(nodeSelector.get("kubernetes.io/os")),
                "nodeSelector must pin kubernetes.io/os: linux");
        rollout(ds.getSpec().getUpdateStrategy(), v);
        gracePeriod(pod, v);
        seccomp(pod, v);

        v.require(install.all(Namespace.class).stream().anyMatch(ns -> ns.getMetadata().getName().equals(namespace)
                        && "privileged".equals(labels(ns).get("pod-security.kubernetes.io/enforce"))),
                "namespace %s must be part of the install with pod-security enforce level privileged", namespace);
        v.require(install.all(ServiceAccount.class).stream().anyMatch(sa -> Objects.equals(
                        sa.getMetadata().getName(), pod.getServiceAccountName())
                        && namespace.equals(sa.getMetadata().getNamespace())),
                "serviceAccountName %s must be a ServiceAccount of the install in %s",
                pod.getServiceAccountName(), namespace);
        images(pod, v);
        volumes(pod, v);
    }

    private static void rollout(DaemonSetUpdateStrategy strategy, Violations v) {
        boolean rolling = strategy != null && "RollingUpdate".equals(strategy.getType())
                && strategy.getRollingUpdate() != null;
        v.require(rolling, "updateStrategy must be RollingUpdate with explicit limits");
        if (rolling) {
            IntOrString unavailable = strategy.getRollingUpdate().getMaxUnavailable();
            v.require(unavailable != null && "10%".equals(unavailable.getStrVal()),
                    "rollingUpdate.maxUnavailable must be \"10%%\", was %s",
                    unavailable == null ? null : unavailable.getValue());
            IntOrString surge = strategy.getRollingUpdate().getMaxSurge();
            v.require(surge == null || Integer.valueOf(0).equals(surge.getIntVal()) || "0%".equals(surge.getStrVal()),
                    "rollingUpdate.maxSurge must be 0: a second pod on a node cannot bind the same ports");
        }
    }

    private static void gracePeriod(PodSpec pod, Violations v) {
        long grace = pod.getTerminationGracePeriodSeconds() == null ? 30 : pod.getTerminationGracePeriodSeconds();
        container(pod, AGENT).ifPresent(agent -> {
            String timeout = PodParts.setting(agent, "--shutdown-timeout", "IAMLET_SHUTDOWN_TIMEOUT",
                    CliContract.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds() + "s").orElse("");
            Duration shutdown = CliContract.duration(timeout);
            v.require(Duration.ofSeconds(grace).compareTo(shutdown) > 0,
                    "terminationGracePeriodSeconds (%d) must exceed the shutdown timeout (%s)", grace, timeout);
        });
    }

    private static void seccomp(PodSpec pod, Violations v) {
        var context = pod.getSecurityContext();
        v.require(context != null && context.getSeccompProfile() != null
                        && "RuntimeDefault".equals(context.getSeccompProfile().getType()),
                "the pod's seccompProfile must be RuntimeDefault");
        Stream.concat(list(pod.getInitContainers()).stream(), list(pod.getContainers()).stream()).forEach(c -> {
            var own = PodParts.securityContext(c).getSeccompProfile();
            v.require(own == null || !"Unconfined".equals(own.getType()),
                    "container %s must not run without seccomp", c.getName());
        });
    }

    private static void images(PodSpec pod, Violations v) {
        Set<String> images = Stream.concat(list(pod.getInitContainers()).stream(), list(pod.getContainers()).stream())
                .map(Container::getImage).collect(Collectors.toSet());
        v.require(images.size() == 1, "node-setup and the agent must run the same image, found %s", images);
        for (String image : images) {
            String afterRegistry = image == null ? "" : image.substring(image.lastIndexOf('/') + 1);
            boolean pinned = afterRegistry.contains("@sha256:")
                    || (afterRegistry.contains(":") && !afterRegistry.endsWith(":latest"));
            v.require(pinned, "image %s must be pinned to a version or digest", image);
        }
    }

    private static void volumes(PodSpec pod, Violations v) {
        Map<String, Volume> byName = list(pod.getVolumes()).stream()
                .collect(Collectors.toMap(Volume::getName, volume -> volume));
        byName.values().stream().filter(volume -> volume.getHostPath() != null).forEach(volume -> v.require(
                XTABLES_LOCK.equals(volume.getHostPath().getPath()),
                "hostPath volume %s exposes %s of the node; only %s is needed",
                volume.getName(), volume.getHostPath().getPath(), XTABLES_LOCK));
        for (Container c : list(pod.getContainers())) {
            for (VolumeMount mount : list(c.getVolumeMounts())) {
                Volume volume = byName.get(mount.getName());
                v.require(volume == null || volume.getHostPath() == null,
                        "container %s must not mount the node's files (%s)", c.getName(), mount.getMountPath());
            }
        }
        container(pod, AGENT).ifPresent(agent -> v.require(list(agent.getVolumeMounts()).stream()
                        .anyMatch(m -> "/tmp".equals(m.getMountPath()) && byName.containsKey(m.getName())
                                && byName.get(m.getName()).getEmptyDir() != null),
                "the agent needs an emptyDir at /tmp: the root filesystem is read-only and Netty unpacks "
                        + "its native library there"));
        PodParts.initContainer(pod, NODE_SETUP).ifPresent(init -> v.require(list(init.getVolumeMounts()).stream()
                        .anyMatch(m -> XTABLES_LOCK.equals(m.getMountPath())),
                "node-setup must share the node's %s with kube-proxy", XTABLES_LOCK));
    }

    private static Map<String, String> labels(Namespace namespace) {
        Map<String, String> labels = namespace.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
