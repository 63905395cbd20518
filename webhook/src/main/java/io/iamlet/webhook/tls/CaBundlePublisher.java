package io.iamlet.webhook.tls;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the CA bundle into every webhook of the webhook's own MutatingWebhookConfiguration, when it differs. The
 * write carries the resourceVersion read, so a concurrent change by someone else (kubectl apply of the manifests)
 * is re-read rather than overwritten; replicas that publish the same bundle at once are harmless.
 */
public final class CaBundlePublisher {

    private static final Logger LOG = LoggerFactory.getLogger(CaBundlePublisher.class);
    private static final int ATTEMPTS = 5;

    private final KubernetesClient kubernetes;
    private final String configurationName;

    public CaBundlePublisher(KubernetesClient kubernetes, String configurationName) {
        this.kubernetes = kubernetes;
        this.configurationName = configurationName;
    }

    /** Publishes {@code trust}; returns whether anything was written. */
    public boolean publish(List<X509Certificate> trust) {
        String bundle = Base64.getEncoder().encodeToString(
                CertificateAuthority.pem(trust).getBytes(StandardCharsets.UTF_8));
        var resource = kubernetes.admissionRegistration().v1().mutatingWebhookConfigurations()
                .withName(configurationName);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            MutatingWebhookConfiguration configuration = resource.get();
            if (configuration == null) {
                throw new IllegalStateException("MutatingWebhookConfiguration " + configurationName
                        + " does not exist: apply the webhook's manifests (daemonset/webhook)");
            }
            List<MutatingWebhook> stale = configuration.getWebhooks().stream()
                    .filter(w -> w.getClientConfig() != null && !Objects.equals(w.getClientConfig().getCaBundle(), bundle))
                    .toList();
            if (stale.isEmpty()) {
                return false;
            }
            stale.forEach(w -> w.getClientConfig().setCaBundle(bundle));
            try {
                kubernetes.admissionRegistration().v1().mutatingWebhookConfigurations().resource(configuration).update();
                LOG.info("published the webhook's CA bundle to MutatingWebhookConfiguration {} ({} webhooks)",
                        configurationName, stale.size());
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("MutatingWebhookConfiguration " + configurationName + " kept changing under "
                + ATTEMPTS + " attempts to publish the CA bundle");
    }
}
