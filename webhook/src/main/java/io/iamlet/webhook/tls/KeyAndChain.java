package io.iamlet.webhook.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A serving certificate as the TLS server needs it: the private key and the chain, leaf first.
 *
 * @param trust the CA certificates clients must trust (the {@code caBundle}), newest first; empty when someone
 *              else (cert-manager) publishes the bundle
 */
public record KeyAndChain(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trust) {

    public KeyAndChain {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least the leaf");
        }
        chain = List.copyOf(chain);
        trust = List.copyOf(trust);
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }
}
