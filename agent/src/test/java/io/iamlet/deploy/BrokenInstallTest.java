package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.iamlet.deploy.InstallValidator.Mode;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each rule of {@link InstallValidator} can fail: a rendered install (the kube2iam overlay, which exercises
 * both containers fully) is broken in one way and the validator must name that breakage.
 */
class BrokenInstallTest {

    static Stream<Arguments> breakages() {
        return Stream.of(
                broken("without hostNetwork", i -> pod(i).setHostNetwork(null), "hostNetwork must be true"),
                broken("with the default DNS policy", i -> pod(i).setDnsPolicy("ClusterFirst"), "dnsPolicy"),
                broken("without a priority class", i -> pod(i).setPriorityClassName(null), "priorityClassName"),
                broken("tolerating only NoSchedule taints",
                        i -> pod(i).getTolerations().getFirst().setEffect("NoSchedule"), "every taint"),
                broken("rolling out to every node at once", i -> rollingUpdate(i)
                        .setMaxUnavailable(new IntOrString("100%")), "maxUnavailable"),
                broken("with a surge pod", i -> rollingUpdate(i).setMaxSurge(new IntOrString(1)), "maxSurge"),
                broken("with SYS_ADMIN added to the agent",
                        i -> sc(agent(i)).getCapabilities().getAdd().add("SYS_ADMIN"), "exactly NET_BIND_SERVICE"),
                broken("with node-setup lacking NET_RAW",
                        i -> sc(init(i)).getCapabilities().getAdd().remove("NET_RAW"), "exactly NET_ADMIN and NET_RAW"),
                broken("with the agent keeping default capabilities",
                        i -> sc(agent(i)).getCapabilities().setDrop(List.of()), "must drop ALL"),
                broken("with node-setup privileged", i -> sc(init(i)).setPrivileged(true), "must not be privileged"),
                broken("with node-setup allowed to escalate",
                        i -> sc(init(i)).setAllowPrivilegeEscalation(true), "must not allow privilege escalation"),
                broken("with the agent running as root", i -> sc(agent(i)).setRunAsUser(0L), "non-root uid"),
                broken("with a writable root filesystem",
                        i -> sc(agent(i)).setReadOnlyRootFilesystem(false), "read-only root filesystem"),
                broken("with no_new_privs on the agent",
                        i -> sc(agent(i)).setAllowPrivilegeEscalation(false), "must allow privilege escalation"),
                broken("with seccomp off for the agent",
                        i -> sc(agent(i)).setSeccompProfile(new SeccompProfileBuilder().withType("Unconfined").build()),
                        "seccomp"),
                broken("without a memory limit",
                        i -> agent(i).getResources().getLimits().remove("memory"), "must limit memory"),
                broken("with node-setup lacking requests",
                        i -> init(i).getResources().setRequests(null), "must request cpu and memory"),
                broken("with the liveness probe on the node IP",
                        i -> agent(i).getLivenessProbe().getHttpGet().setHost(null), "livenessProbe must target"),
                broken("with the startup probe on another port", i -> agent(i).getStartupProbe().getHttpGet()
                        .setPort(new IntOrString(8080)), "startupProbe must target"),
                broken("with readiness probing /healthz",
                        i -> agent(i).getReadinessProbe().getHttpGet().setPath("/healthz"), "must request /readyz"),
                broken("with the node name as a literal", i -> env(agent(i), "IAMLET_NODE_NAME")
                        .setValueFrom(null), "IAMLET_NODE_NAME must come from"),
                broken("with the host IP from the pod IP", i -> env(agent(i), "IAMLET_HOST_IP").getValueFrom()
                        .getFieldRef().setFieldPath("status.podIP"), "IAMLET_HOST_IP must come from"),
                broken("with a grace period shorter than the shutdown timeout",
                        i -> pod(i).setTerminationGracePeriodSeconds(15L), "terminationGracePeriodSeconds"),
                broken("with a misspelt setting", i -> agent(i).getEnv()
                        .add(envVar("IAMLET_AUDIENCES", "sts.amazonaws.com")), "does not read"),
                broken("with a node-setup setting on the agent", i -> agent(i).getEnv()
                        .add(envVar("IAMLET_POD_INTERFACE", "cali+")), "does not read"),
                broken("with a setting twice", i -> agent(i).getEnv()
                        .add(envVar("IAMLET_CLUSTER_NAME", "other")), "twice"),
                broken("with the metadata listener before the host IP", i -> {
                    List<EnvVar> env = agent(i).getEnv();
                    EnvVar listen = env(agent(i), "IAMLET_METADATA_LISTEN");
                    env.remove(listen);
                    env.addFirst(listen);
                }, "not defined before it"),
                broken("with the redirect to another port",
                        i -> env(init(i), "IAMLET_METADATA_PORT").setValue("8182"), "$(IAMLET_HOST_IP):8182"),
                broken("without a cluster name", i -> env(agent(i), "IAMLET_CLUSTER_NAME").setValue(""),
                        "IAMLET_CLUSTER_NAME is required"),
                broken("with the node's iptables lock mounted in the agent", i -> agent(i).getVolumeMounts()
                        .add(new VolumeMountBuilder().withName("xtables-lock").withMountPath("/run/xtables.lock")
                                .build()),
                        "must not mount the node's files"),
                broken("with the node's root as a volume", i -> pod(i).getVolumes().getLast().getHostPath()
                        .setPath("/"), "only /run/xtables.lock is needed"),
                broken("with a latest image", i -> {
                    agent(i).setImage("ghcr.io/iamlet/iamlet:latest");
                    init(i).setImage("ghcr.io/iamlet/iamlet:latest");
                }, "must be pinned"),
                broken("with node-setup from another image", i -> init(i).setImage("ghcr.io/iamlet/setup:1"),
                        "same image"),
                broken("without the metrics port", i -> agent(i).setPorts(List.of()), "containerPort `metrics`"),
                broken("with secrets readable", i -> role(i).getRules()
                        .add(rule("", "secrets", "get")), "secrets"),
                broken("with a wildcard verb", i -> role(i).getRules().getFirst().setVerbs(List.of("*")), "wildcard"),
                broken("listing every service account", i -> role(i).getRules().stream()
                        .filter(r -> r.getResources().contains("serviceaccounts")).findFirst().orElseThrow()
                        .getVerbs().add("list"), "grants [get, list] on serviceaccounts"),
                broken("without events", i -> role(i).getRules().removeIf(r -> r.getResources() != null
                        && r.getResources().contains("events")), "must grant [create, patch] on events"),
                broken("bound to the default account", i -> i.one(ClusterRoleBinding.class).getSubjects()
                        .getFirst().setName("default"), "must bind only"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void reportsTheBrokenInvariant(Consumer<Install> breakIt, String expected) {
        Install install = StrictManifests.parse(Kustomize.render("daemonset/overlays/kube2iam"));
        assertThat(InstallValidator.validate(install, Mode.METADATA)).as("the intact install").isEmpty();

        breakIt.accept(install);

        assertThat(InstallValidator.validate(install, Mode.METADATA))
                .anySatisfy(violation -> assertThat(violation).contains(expected));
    }

    private static Arguments broken(String description, Consumer<Install> breakIt, String expected) {
        return arguments(named(description, breakIt), expected);
    }

    private static PodSpec pod(Install install) {
        return install.daemonSet().getSpec().getTemplate().getSpec();
    }

    private static RollingUpdateDaemonSet rollingUpdate(Install install) {
        return install.daemonSet().getSpec().getUpdateStrategy().getRollingUpdate();
    }

    private static Container agent(Install install) {
        return PodParts.container(pod(install), PodParts.AGENT).orElseThrow();
    }

    private static Container init(Install install) {
        return PodParts.initContainer(pod(install), PodParts.NODE_SETUP).orElseThrow();
    }

    private static SecurityContext sc(Container container) {
        return container.getSecurityContext();
    }

    private static EnvVar env(Container container, String name) {
        return PodParts.env(container, name).orElseThrow();
    }

    private static EnvVar envVar(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static ClusterRole role(Install install) {
        return install.one(ClusterRole.class);
    }

    private static PolicyRule rule(String group, String resource, String verb) {
        PolicyRule rule = new PolicyRule();
        rule.setApiGroups(List.of(group));
        rule.setResources(List.of(resource));
        rule.setVerbs(List.of(verb));
        return rule;
    }
}
