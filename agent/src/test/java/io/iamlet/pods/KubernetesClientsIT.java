package io.iamlet.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's client on a real socket: fabric8 reads its configuration as in production (here from the system
 * properties fabric8 documents, standing in for a kubeconfig) and, for a plain {@code http://} API server, speaks
 * HTTP/1.1 without offering the JDK client's h2c upgrade.
 */
class KubernetesClientsIT {

    private final KubernetesMockServer server = new KubernetesMockServer(false);
    private final Map<String, String> properties = Map.of(
            Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, "false",
            Config.KUBERNETES_AUTH_TRYSERVICEACCOUNT_SYSTEM_PROPERTY, "false",
            Config.KUBERNETES_NAMESPACE_SYSTEM_PROPERTY, "default");

    @AfterEach
    void stop() {
        properties.keySet().forEach(System::clearProperty);
        System.clearProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY);
        server.destroy();
    }

    @Test
    void aPlainHttpApiServerIsSpokenToInHttp11WithoutAnUpgradeOffer() throws Exception {
        server.init(InetAddress.getLoopbackAddress(), 0);
        server.expect().get().withPath("/api/v1/namespaces/shop")
                .andReturn(200, new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .always();
        properties.forEach(System::setProperty);
        System.setProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY,
                "http://127.0.0.1:" + server.getPort());

        try (KubernetesClient client = KubernetesClients.agent()) {
            assertThat(client.namespaces().withName("shop").get().getMetadata().getName()).isEqualTo("shop");
        }

        RecordedRequest request = server.takeRequest();
        assertThat(request.getPath()).isEqualTo("/api/v1/namespaces/shop");
        // offered an upgrade, this server takes it, and the request is recorded as H2
        assertThat(request.getRequestLine()).as("spoken in HTTP/1.1, no h2c upgrade").endsWith(" HTTP/1.1");
        assertThat(request.getHeader("Upgrade")).isNull();
    }
}
