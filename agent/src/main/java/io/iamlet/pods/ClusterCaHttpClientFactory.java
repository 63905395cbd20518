package io.iamlet.pods;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.StandardHttpClientBuilder;
import io.fabric8.kubernetes.client.internal.CertUtils;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.Executors;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * fabric8's JDK HTTP client, trusting the API server's certificate only when it chains to the CA the configuration
 * names (the service account's {@code ca.crt} in a pod, a kubeconfig's {@code certificate-authority}), as kubectl
 * and client-go do.
 *
 * <p>fabric8 on its own adds that CA to the JDK's public CAs: any of those ~150 could then vouch for the API server,
 * and the JDK's {@code cacerts} is parsed for it at every start (~3 % of the start's CPU; the STS clients' TLS
 * context parses it once more, in the JDK's own cache). A configuration without a CA of its own (an API server on
 * plain {@code http://}, or one whose certificate a public CA signed), with {@code insecure-skip-tls-verify}, or
 * with a trust store file of its own, is built as fabric8 builds it.
 */
final class ClusterCaHttpClientFactory extends JdkHttpClientFactory {

    @Override
    public HttpClient.Builder newBuilder(Config config) {
        Optional<TrustManager[]> clusterCa;
        try {
            clusterCa = clusterCaOnly(config);
        } catch (GeneralSecurityException | IOException e) {
            throw KubernetesClientException.launderThrowable(e);
        }
        if (clusterCa.isEmpty()) {
            return super.newBuilder(config);
        }
        // For this one call, fabric8 is told to trust every certificate, so that it builds no trust store of its
        // own (from cacerts); the TLS context set right after replaces its trust-all one, keeping the client
        // certificate's key managers fabric8 made. The flag is put back before anything else can read the
        // configuration: the client is not built yet.
        config.setTrustCerts(true);
        StandardHttpClientBuilder<?, ?, ?> builder;
        try {
            builder = (StandardHttpClientBuilder<?, ?, ?>) super.newBuilder(config);
        } finally {
            config.setTrustCerts(false);
        }
        return builder.sslContext(builder.getKeyManagers(), clusterCa.get());
    }

    /**
     * Trust managers that trust exactly the certificates of the configuration's CA; empty when the configuration
     * names no CA, trusts every certificate, or names a trust store file (fabric8 then decides).
     *
     * @throws CertificateException when the CA it names holds no certificate, or something that is not one
     */
    static Optional<TrustManager[]> clusterCaOnly(Config config) throws GeneralSecurityException, IOException {
        String data = blankToNull(config.getCaCertData());
        String file = blankToNull(config.getCaCertFile());
        boolean named = data != null || file != null;
        String trustStore = config.getTrustStoreFile();
        if (!named || config.isTrustCerts() || trustStore != null && !trustStore.isBlank()) {
            return Optional.empty();
        }
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        try (InputStream pem = CertUtils.getInputStreamFromDataOrFile(data, file)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(pem);
            if (certificates.isEmpty()) {
                throw new CertificateException("the API server's CA (" + (data != null
                        ? "certificate-authority-data" : file) + ") holds no certificate");
            }
            int n = 0;
            for (Certificate certificate : certificates) {
                anchors.setCertificateEntry("cluster-ca-" + n++, certificate);
            }
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(anchors);
        return Optional.of(trust.getTrustManagers());
    }

    /**
     * The JDK client's own asynchronous work (its responses' and watches' callbacks) on virtual threads, one per
     * task, as the STS clients' ({@code StsClients}): fabric8's default is a cached pool of platform threads, and
     * seven of them stayed alive on an idle node (the watches keep them busy enough never to expire). Nothing to
     * shut down when the client closes: a virtual thread ends with its task.
     */
    @Override
    protected java.net.http.HttpClient.Builder createNewHttpClientBuilder() {
        return java.net.http.HttpClient.newBuilder().executor(
                Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("iamlet-kube-http-", 0).factory()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
