package io.iamlet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-ins' API server over https ({@code stand-ins --api-https}): a client that trusts the certificate the
 * stand-ins write, as a pod trusts its cluster's {@code ca.crt}, reads from it; the kubeconfig they write names it.
 */
class HttpsApiServerIT {

    @Test
    void aClientTrustingTheWrittenCertificateReadsFromTheHttpsApiServer(@TempDir Path dir) throws Exception {
        try (StandIns standIns = StandIns.start(InetAddress.getLoopbackAddress(), ClusterScale.NONE, null, true)) {
            standIns.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop")
                    .endMetadata().build()).create();
            Path ca = dir.resolve("ca.crt");
            standIns.writeApiServerCa(ca);
            Path kubeconfig = dir.resolve("kubeconfig");
            standIns.writeKubeconfig(kubeconfig, ca);

            assertThat(standIns.apiServerUrl().getScheme()).isEqualTo("https");
            assertThat(Files.readString(ca)).startsWith("-----BEGIN CERTIFICATE-----");
            assertThat(Files.readString(kubeconfig)).contains("certificate-authority: " + ca);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                    .withMasterUrl(standIns.apiServerUrl().toString()).withCaCertFile(ca.toString())
                    .withOauthToken("stand-ins-accept-anything").build()).build()) {
                assertThat(client.namespaces().withName("shop").get().getMetadata().getName()).isEqualTo("shop");
            }
            // and one that trusts nothing of the kind is refused: the CA file is what makes it work
            try (KubernetesClient untrusting = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                    .withMasterUrl(standIns.apiServerUrl().toString()).withOauthToken("x").build()).build()) {
                assertThatThrownBy(() -> untrusting.namespaces().withName("shop").get())
                        .isInstanceOf(KubernetesClientException.class);
            }
        }
    }

    @Test
    void aPlainHttpApiServerHasNoCertificateToWrite(@TempDir Path dir) {
        try (StandIns standIns = StandIns.start(InetAddress.getLoopbackAddress())) {
            assertThat(standIns.apiServerUrl().getScheme()).isEqualTo("http");
            assertThatThrownBy(() -> standIns.writeApiServerCa(dir.resolve("ca.crt")))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
