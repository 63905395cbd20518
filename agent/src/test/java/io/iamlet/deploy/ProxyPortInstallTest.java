package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The proxy-port component (daemonset/components/proxy-port, rendered through daemonset/examples/proxy-port):
 * node-setup redirects port 80 of the container addresses to exactly the port the agent listens on, on every
 * container address node-setup puts on the link, and nothing else of the Pod Identity install changes.
 */
class ProxyPortInstallTest {

    private static final Set<String> PROXY_SETTINGS = Set.of("IAMLET_CONTAINER_PORT", "IAMLET_CONTAINER_LISTEN");

    @Test
    void nodeSetupRedirectsToThePortTheAgentListensOnForEveryContainerAddress() {
        Install install = render("daemonset/examples/proxy-port");
        PodSpec pod = install.daemonSet().getSpec().getTemplate().getSpec();
        Container init = PodParts.initContainer(pod, PodParts.NODE_SETUP).orElseThrow();
        Container agent = PodParts.container(pod, PodParts.AGENT).orElseThrow();

        String port = PodParts.setting(init, "--container-port", "IAMLET_CONTAINER_PORT", null).orElseThrow();
        String listen = PodParts.setting(agent, "--container-listen", "IAMLET_CONTAINER_LISTEN", null).orElseThrow();
        String addresses = PodParts.setting(init, "--container-address", "IAMLET_CONTAINER_ADDRESS",
                "169.254.170.23/32,fd00:ec2::23/128").orElseThrow();

        assertThat(port).isNotEqualTo("80");
        assertThat(Arrays.asList(listen.split(","))).containsExactlyElementsOf(Arrays.stream(addresses.split(","))
                .map(cidr -> cidr.substring(0, cidr.indexOf('/')))
                .map(ip -> (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port)
                .toList());
    }

    @Test
    void theComponentChangesNothingElse() {
        Install proxied = render("daemonset/examples/proxy-port");
        Install plain = render("daemonset/overlays/pod-identity");

        assertThat(proxied.withoutDaemonSet()).isEqualTo(plain.withoutDaemonSet());
        assertThat(withoutProxySettings(proxied.daemonSet())).isEqualTo(plain.daemonSet());
    }

    private static Install render(String directory) {
        return StrictManifests.parse(Kustomize.render(directory));
    }

    private static DaemonSet withoutProxySettings(DaemonSet original) {
        DaemonSet copy = StrictManifests.MAPPER.convertValue(original, DaemonSet.class);
        PodSpec pod = copy.getSpec().getTemplate().getSpec();
        for (Container c : PodParts.list(pod.getContainers())) {
            c.getEnv().removeIf(e -> PROXY_SETTINGS.contains(e.getName()));
        }
        for (Container c : PodParts.list(pod.getInitContainers())) {
            c.getEnv().removeIf(e -> PROXY_SETTINGS.contains(e.getName()));
        }
        return copy;
    }
}
