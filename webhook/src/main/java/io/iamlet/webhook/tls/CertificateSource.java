package io.iamlet.webhook.tls;

/**
 * Where the serving certificate comes from: {@link SelfManagedCertificates} (a CA and certificate the webhook keeps
 * in a Secret) or {@link FileCertificates} (files another tool, such as cert-manager, keeps up to date).
 * {@link #current()} is called at start and then periodically; it may do I/O and throws when it cannot produce a
 * usable certificate (the previous one stays in use).
 */
public interface CertificateSource {

    KeyAndChain current();
}
