package io.iamlet.webhook.tls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contents of the webhook's certificate Secret: {@code ca.crt} (the trusted CAs, current first), {@code ca.key},
 * and {@code tls.crt}/{@code tls.key} (type kubernetes.io/tls, so other tools can read the serving pair).
 */
record StoredCertificates(CertificateAuthority authority, KeyAndChain material) {

    private static final Logger LOG = LoggerFactory.getLogger(StoredCertificates.class);
    static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String TLS_CERT = "tls.crt";
    static final String TLS_KEY = "tls.key";

    /** Null when the Secret does not hold all four keys in a readable form: it is then replaced. */
    static StoredCertificates decode(Secret secret) {
        Map<String, String> data = secret.getData();
        if (data == null) {
            return null;
        }
        try {
            var trust = CertificateAuthority.certificates(text(data, CA_CERT));
            var chain = CertificateAuthority.certificates(text(data, TLS_CERT));
            var authority = new CertificateAuthority(CertificateAuthority.privateKey(text(data, CA_KEY)),
                    trust.getFirst());
            return new StoredCertificates(authority,
                    new KeyAndChain(CertificateAuthority.privateKey(text(data, TLS_KEY)), chain, trust));
        } catch (RuntimeException e) {
            LOG.warn("Secret {}/{} does not hold a usable CA and certificate ({}); replacing it",
                    secret.getMetadata().getNamespace(), secret.getMetadata().getName(),
                    e.getClass().getSimpleName());
            return null;
        }
    }

    Secret toSecret(SelfManagedCertificates.Settings settings, String resourceVersion) {
        Map<String, String> data = new HashMap<>();
        data.put(CA_CERT, base64(CertificateAuthority.pem(material.trust())));
        data.put(CA_KEY, base64(CertificateAuthority.pem(authority.key())));
        data.put(TLS_CERT, base64(CertificateAuthority.pem(material.chain())));
        data.put(TLS_KEY, base64(CertificateAuthority.pem(material.key())));
        return new SecretBuilder()
                .withNewMetadata()
                .withName(settings.secretName())
                .withNamespace(settings.namespace())
                .withResourceVersion(resourceVersion)
                .addToLabels("app.kubernetes.io/name", "iamlet-webhook")
                .endMetadata()
                .withType("kubernetes.io/tls")
                .withData(data)
                .build();
    }

    private static String text(Map<String, String> data, String key) {
        String value = data.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
