package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The overlays change the mode and nothing else; the PodMonitor scrapes what the DaemonSet exposes. */
class OverlaysTest {
    private static final Set<String> MODE_SETTINGS = Set.of(
            "IAMLET_CREDENTIAL_SOURCE", "IAMLET_AUDIENCE", "IAMLET_METADATA_LISTEN", "IAMLET_CLUSTER_NAME",
            "IAMLET_METADATA_PORT", "IAMLET_POD_INTERFACE");

    private Install base;
    private Install podIdentity;
    private Install kube2iam;

    @BeforeEach
    void renderEachInstallAfresh() {
        base = render("daemonset/base");
        podIdentity = render("daemonset/overlays/pod-identity");
        kube2iam = render("daemonset/overlays/kube2iam");
    }

    @Test
    void overlaysDifferFromTheBaseOnlyInModeSettings() {
        assertThat(podIdentity.withoutDaemonSet()).isEqualTo(base.withoutDaemonSet());
        assertThat(kube2iam.withoutDaemonSet()).isEqualTo(base.withoutDaemonSet());

        DaemonSet expected = withoutModeSettings(base.daemonSet());
        assertThat(withoutModeSettings(podIdentity.daemonSet())).isEqualTo(expected);
        assertThat(withoutModeSettings(kube2iam.daemonSet())).isEqualTo(expected);
        assertThat(podIdentity.daemonSet()).isNotEqualTo(base.daemonSet());
    }

    @Test
    void podIdentityOverlayNeitherRedirectsImdsNorListensForIt() {
        Container init = init(podIdentity);
        Container agent = agent(podIdentity);

        assertThat(init.getArgs()).containsExactly("node-setup", "--metadata-port", "0");
        assertThat(PodParts.env(agent, "IAMLET_METADATA_LISTEN")).isEmpty();
        assertThat(setting(agent, "--credential-source", "IAMLET_CREDENTIAL_SOURCE")).isEqualTo("web-identity");
        assertThat(setting(agent, "--audience", "IAMLET_AUDIENCE")).isEqualTo(CliContract.DEFAULT_AUDIENCE);
    }

    @Test
    void kube2iamOverlayRedirectsImdsToTheAgentsMetadataListener() {
        Container init = init(kube2iam);
        Container agent = agent(kube2iam);

        assertThat(setting(init, "--metadata-port", "IAMLET_METADATA_PORT")).isEqualTo("8181");
        assertThat(setting(init, "--pod-interface", "IAMLET_POD_INTERFACE")).isEqualTo("eni+");
        assertThat(setting(agent, "--metadata-listen", "IAMLET_METADATA_LISTEN")).isEqualTo("$(IAMLET_HOST_IP):8181");
        assertThat(setting(agent, "--credential-source", "IAMLET_CREDENTIAL_SOURCE")).isEqualTo("assume-role");
        assertThat(envNames(agent)).containsSubsequence("IAMLET_HOST_IP", "IAMLET_METADATA_LISTEN");
    }

    @Test
    void podMonitorScrapesTheAgentsMetricsPort() {
        PodMonitor monitor = render("daemonset/monitoring").one(PodMonitor.class);
        DaemonSet daemonSet = base.daemonSet();

        assertThat(monitor.metadata().getNamespace()).isEqualTo(daemonSet.getMetadata().getNamespace());
        assertThat(daemonSet.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(monitor.spec().selector().getMatchLabels());
        assertThat(monitor.spec().podMetricsEndpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.path()).isEqualTo("/metrics");
            assertThat(agent(base).getPorts())
                    .anySatisfy(port -> assertThat(port.getName()).isEqualTo(endpoint.port()));
        });
    }

    private static Install render(String directory) {
        return StrictManifests.parse(Kustomize.render(directory));
    }

    private static DaemonSet withoutModeSettings(DaemonSet original) {
        DaemonSet copy = StrictManifests.MAPPER.convertValue(original, DaemonSet.class);
        PodSpec pod = copy.getSpec().getTemplate().getSpec();
        for (Container c : PodParts.list(pod.getContainers())) {
            c.getEnv().removeIf(e -> MODE_SETTINGS.contains(e.getName()));
        }
        for (Container c : PodParts.list(pod.getInitContainers())) {
            c.getEnv().removeIf(e -> MODE_SETTINGS.contains(e.getName()));
            c.setArgs(List.of(c.getArgs().getFirst()));
        }
        return copy;
    }

    private static String setting(Container container, String flag, String env) {
        return PodParts.setting(container, flag, env, null).orElse(null);
    }

    private static Container agent(Install install) {
        return PodParts.container(install.daemonSet().getSpec().getTemplate().getSpec(), PodParts.AGENT).orElseThrow();
    }

    private static Container init(Install install) {
        return PodParts.initContainer(install.daemonSet().getSpec().getTemplate().getSpec(), PodParts.NODE_SETUP)
                .orElseThrow();
    }

    private static List<String> envNames(Container container) {
        return PodParts.list(container.getEnv()).stream().map(e -> e.getName()).toList();
    }
}
