package io.iamlet.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.http.StandardHttpClientBuilder;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.iamlet.testing.Certificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which certificates the agent's Kubernetes client trusts for the API server: the configuration's CA alone when it
 * names one (kubectl's rule), fabric8's own choice otherwise. Two of the JDK's public roots stand in for a cluster CA.
 */
class ClusterCaHttpClientFactoryTest {

    private static final List<X509Certificate> ROOTS = jdkRoots();

    @Test
    void caDataIsTheOnlyAnchor() throws Exception {
        Config config = base().withCaCertData(base64(Certificates.pem(ROOTS.get(0)) + Certificates.pem(ROOTS.get(1))))
                .build();

        assertThat(acceptedIssuers(ClusterCaHttpClientFactory.clusterCaOnly(config).orElseThrow()))
                .containsExactlyInAnyOrder(ROOTS.get(0), ROOTS.get(1));
        // what fabric8 alone trusts for the same configuration: the two, and every public CA of the JDK
        assertThat(acceptedIssuers(SSLUtils.trustManagers(config))).contains(ROOTS.get(0)).hasSizeGreaterThan(50);
    }

    @Test
    void caFileIsTheOnlyAnchor(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), Certificates.pem(ROOTS.get(2)));
        Config config = base().withCaCertFile(ca.toString()).build();

        assertThat(acceptedIssuers(ClusterCaHttpClientFactory.clusterCaOnly(config).orElseThrow()))
                .containsExactly(ROOTS.get(2));
    }

    @Test
    void withoutACaOrWithFabric8sOwnTrustSettingsFabric8Decides(@TempDir Path dir) throws Exception {
        String ca = base64(Certificates.pem(ROOTS.get(0)));

        assertThat(ClusterCaHttpClientFactory.clusterCaOnly(base().build())).isEmpty();
        assertThat(ClusterCaHttpClientFactory.clusterCaOnly(base().withCaCertData(ca).withTrustCerts(true).build()))
                .isEmpty();
        assertThat(ClusterCaHttpClientFactory.clusterCaOnly(base().withCaCertData(ca)
                .withTrustStoreFile(dir.resolve("store.p12").toString()).build())).isEmpty();
    }

    @Test
    void aCaWithoutACertificateIsRefused(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("ca.crt"), "\n");
        Path garbage = Files.writeString(dir.resolve("garbage.crt"), "-----BEGIN CERTIFICATE-----\nnot base64!\n"
                + "-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> ClusterCaHttpClientFactory.clusterCaOnly(base().withCaCertFile(empty.toString())
                .build())).isInstanceOf(CertificateException.class).hasMessageContaining("holds no certificate")
                .hasMessageContaining(empty.toString());
        assertThatThrownBy(() -> ClusterCaHttpClientFactory.clusterCaOnly(base().withCaCertFile(garbage.toString())
                .build())).isInstanceOf(CertificateException.class);
    }

    @Test
    void theBuilderTrustsTheCaAloneAndTheConfigurationStaysAsItWas() {
        Config config = base().withMasterUrl("https://127.0.0.1:6443/")
                .withCaCertData(base64(Certificates.pem(ROOTS.get(0)))).build();

        var builder = (StandardHttpClientBuilder<?, ?, ?>) new ClusterCaHttpClientFactory().newBuilder(config);

        assertThat(acceptedIssuers(builder.getTrustManagers())).containsExactly(ROOTS.get(0));
        builder.build().close();
        assertThat(config.isTrustCerts()).isFalse();
        assertThat(config.getCaCertData()).isEqualTo(base64(Certificates.pem(ROOTS.get(0))));
    }

    @Test
    void aBlankCaDataLeavesTheCaFile(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), Certificates.pem(ROOTS.get(1)));
        Config config = base().withCaCertData(" ").withCaCertFile(ca.toString()).build();

        assertThat(acceptedIssuers(ClusterCaHttpClientFactory.clusterCaOnly(config).orElseThrow()))
                .containsExactly(ROOTS.get(1));
    }

    /** A configuration from nothing but what the test sets: no kubeconfig, no service account, no environment. */
    private static ConfigBuilder base() {
        return new ConfigBuilder(Config.empty());
    }

    static List<X509Certificate> acceptedIssuers(TrustManager[] managers) {
        List<X509Certificate> issuers = new ArrayList<>();
        for (TrustManager manager : managers) {
            if (manager instanceof X509TrustManager x509) {
                issuers.addAll(List.of(x509.getAcceptedIssuers()));
            }
        }
        return issuers;
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Three roots of the JDK's own CA list, in a stable order. */
    static List<X509Certificate> jdkRoots() {
        try (var in = Files.newInputStream(Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, null);
            List<String> aliases = Collections.list(store.aliases());
            Collections.sort(aliases);
            List<X509Certificate> roots = new ArrayList<>();
            for (String alias : aliases.subList(0, 3)) {
                roots.add((X509Certificate) store.getCertificate(alias));
            }
            return roots;
        } catch (Exception e) {
            throw new IllegalStateException("the JDK's cacerts", e);
        }
    }
}
