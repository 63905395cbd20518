package io.iamlet.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.StandardHttpClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.iamlet.testing.Certificates;
import java.net.InetAddress;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's client on a real socket: fabric8 reads its configuration as in production (here from the system
 * properties fabric8 documents, standing in for a kubeconfig) and, for a plain {@code http://} API server, speaks
 * HTTP/1.1 without offering the JDK client's h2c upgrade; over {@code https://} it trusts the configured CA alone.
 */
class KubernetesClientsIT {

    private KubernetesMockServer server = new KubernetesMockServer(false);
    private final Map<String, String> properties = Map.of(
            Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, "false",
            Config.KUBERNETES_AUTH_TRYSERVICEACCOUNT_SYSTEM_PROPERTY, "false",
            Config.KUBERNETES_NAMESPACE_SYSTEM_PROPERTY, "default");

    @AfterEach
    void stop() {
        properties.keySet().forEach(System::clearProperty);
        System.clearProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY);
        System.clearProperty(Config.KUBERNETES_CA_CERTIFICATE_DATA_SYSTEM_PROPERTY);
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

    @Test
    void anHttpsApiServerSignedByTheConfiguredCaIsTrusted() throws Exception {
        X509Certificate serverCertificate = startHttps();
        System.setProperty(Config.KUBERNETES_CA_CERTIFICATE_DATA_SYSTEM_PROPERTY,
                ClusterCaHttpClientFactoryTest.base64(Certificates.pem(serverCertificate)));

        try (KubernetesClient client = KubernetesClients.agent()) {
            assertThat(client.namespaces().withName("shop").get().getMetadata().getName()).isEqualTo("shop");
        }
    }

    /** A public CA of the JDK's list named as the cluster's: this server's own certificate is not trusted. */
    @Test
    void anHttpsApiServerTheConfiguredCaDidNotSignIsRefused() throws Exception {
        startHttps();
        System.setProperty(Config.KUBERNETES_CA_CERTIFICATE_DATA_SYSTEM_PROPERTY, ClusterCaHttpClientFactoryTest
                .base64(Certificates.pem(ClusterCaHttpClientFactoryTest.jdkRoots().get(0))));

        try (KubernetesClient client = KubernetesClients.agent()) {
            assertThatThrownBy(() -> client.namespaces().withName("shop").get())
                    .isInstanceOf(KubernetesClientException.class)
                    // the handshake fails: no path from the server's certificate to the configured CA
                    .hasRootCauseInstanceOf(CertPathBuilderException.class);
        }
        assertThat(server.getRequestCount()).as("no request reached the server").isZero();
    }

    /** The client `iamlet serve` builds, not only the factory: its TLS trusts the configured CA and nothing else. */
    @Test
    void theAgentsClientTrustsTheConfiguredCaAlone() {
        X509Certificate ca = ClusterCaHttpClientFactoryTest.jdkRoots().get(0);
        properties.forEach(System::setProperty);
        System.setProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, "https://127.0.0.1:1");
        System.setProperty(Config.KUBERNETES_CA_CERTIFICATE_DATA_SYSTEM_PROPERTY,
                ClusterCaHttpClientFactoryTest.base64(Certificates.pem(ca)));

        try (KubernetesClient client = KubernetesClients.agent()) {
            var builder = (StandardHttpClientBuilder<?, ?, ?>) client.getHttpClient().newBuilder();
            assertThat(ClusterCaHttpClientFactoryTest.acceptedIssuers(builder.getTrustManagers()))
                    .isEqualTo(List.of(ca));
        }
    }

    /**
     * The configured CA signed the server's certificate, but not for the address the client was given: the mock
     * server's certificate names localhost and 127.0.0.1, and this server listens on 127.0.0.2 (loopback too).
     */
    @Test
    void anHttpsApiServerReachedByAnAddressItsCertificateDoesNotNameIsRefused() throws Exception {
        X509Certificate serverCertificate = startHttps(InetAddress.getByName("127.0.0.2"));
        assertThat(serverCertificate.getSubjectAlternativeNames()).noneMatch(name -> name.contains("127.0.0.2"));
        System.setProperty(Config.KUBERNETES_CA_CERTIFICATE_DATA_SYSTEM_PROPERTY,
                ClusterCaHttpClientFactoryTest.base64(Certificates.pem(serverCertificate)));
        System.setProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, "https://127.0.0.2:" + server.getPort());

        try (KubernetesClient client = KubernetesClients.agent()) {
            assertThatThrownBy(() -> client.namespaces().withName("shop").get())
                    .isInstanceOf(KubernetesClientException.class)
                    .hasRootCauseInstanceOf(CertificateException.class)
                    .rootCause().hasMessageContaining("127.0.0.2");
        }
        assertThat(server.getRequestCount()).as("no request reached the server").isZero();
    }

    /** The mock API server over https, with fabric8's configuration pointing at it; returns its certificate. */
    private X509Certificate startHttps() throws Exception {
        return startHttps(InetAddress.getLoopbackAddress());
    }

    private X509Certificate startHttps(InetAddress address) throws Exception {
        server.destroy();
        server = new KubernetesMockServer(true);
        server.init(address, 0);
        server.expect().get().withPath("/api/v1/namespaces/shop")
                .andReturn(200, new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .always();
        properties.forEach(System::setProperty);
        System.setProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, "https://localhost:" + server.getPort());
        return Certificates.presentedBy(address, server.getPort());
    }
}
