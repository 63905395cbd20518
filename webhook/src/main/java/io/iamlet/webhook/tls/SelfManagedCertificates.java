package io.iamlet.webhook.tls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's own CA and serving certificate, kept in one Secret that every replica shares.
 *
 * <p>Each {@link #current()} reads the Secret and, when it is absent, unreadable or due for renewal, writes a new one:
 * a create when absent (a replica that loses the race gets 409 Conflict and reads the winner's), an update carrying
 * the resourceVersion it read otherwise (a replica that loses gets 409 and starts over from the new Secret). So two
 * replicas starting together end up with one CA and one certificate, and neither overwrites the other's renewal.
 *
 * <p>Renewal: the serving certificate when less than {@code renewBefore} of it is left (or its names or CA no longer
 * fit); the CA when it would not outlive a new serving certificate. A renewed CA is published beside the previous
 * one (the {@code ca.crt} key holds both until the old one expires), so replicas still serving a certificate of the
 * old CA stay trusted. The caller publishes {@link KeyAndChain#trust()} as the {@code caBundle}
 * ({@link CaBundlePublisher}).
 */
public final class SelfManagedCertificates implements CertificateSource {

    private static final Logger LOG = LoggerFactory.getLogger(SelfManagedCertificates.class);
    private static final int ATTEMPTS = 5;

    /**
     * @param dnsNames    the names the API server calls the Service by ({@code <service>.<namespace>.svc} first)
     * @param ipAddresses extra IP addresses in the certificate (tests on loopback); empty in a cluster
     */
    public record Settings(String namespace, String secretName, List<String> dnsNames, List<InetAddress> ipAddresses,
                           Duration validity, Duration caValidity, Duration renewBefore) {
        public Settings {
            dnsNames = List.copyOf(dnsNames);
            ipAddresses = List.copyOf(ipAddresses);
            if (renewBefore.compareTo(validity) >= 0) {
                throw new IllegalArgumentException("--certificate-renew-before (" + renewBefore
                        + ") must be shorter than --certificate-validity (" + validity + ")");
            }
            if (caValidity.compareTo(validity.plus(renewBefore)) <= 0) {
                throw new IllegalArgumentException("the CA's validity must exceed the certificate's validity plus its"
                        + " renewal margin");
            }
        }

        /** The names a Service is reachable by from the API server. */
        public static List<String> serviceNames(String service, String namespace) {
            return List.of(service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local",
                    service + "." + namespace, service);
        }
    }

    private final KubernetesClient kubernetes;
    private final Settings settings;
    private final Clock clock;

    public SelfManagedCertificates(KubernetesClient kubernetes, Settings settings, Clock clock) {
        this.kubernetes = kubernetes;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public KeyAndChain current() {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Secret secret = secrets().withName(settings.secretName()).get();
            StoredCertificates stored = secret == null ? null : StoredCertificates.decode(secret);
            if (stored != null && !due(stored)) {
                return stored.material();
            }
            StoredCertificates next = next(stored);
            try {
                if (secret == null) {
                    secrets().resource(next.toSecret(settings, null)).create();
                    LOG.info("created the webhook's CA and serving certificate in Secret {}/{}, valid until {}",
                            settings.namespace(), settings.secretName(), next.material().notAfter());
                } else {
                    secrets().resource(next.toSecret(settings, secret.getMetadata().getResourceVersion())).update();
                    LOG.info("renewed the webhook's serving certificate in Secret {}/{}, valid until {}",
                            settings.namespace(), settings.secretName(), next.material().notAfter());
                }
                return next.material();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // another replica wrote first: use what it wrote, unless that too is due
                LOG.info("another replica wrote Secret {}/{} first; reading it", settings.namespace(),
                        settings.secretName());
            }
        }
        throw new IllegalStateException("Secret " + settings.namespace() + "/" + settings.secretName()
                + " kept changing under " + ATTEMPTS + " attempts to write it");
    }

    private NonNamespaceOperation<Secret, SecretList, Resource<Secret>> secrets() {
        return kubernetes.secrets().inNamespace(settings.namespace());
    }

    private boolean due(StoredCertificates stored) {
        Instant now = clock.instant();
        X509Certificate leaf = stored.material().leaf();
        return leaf.getNotAfter().toInstant().isBefore(now.plus(settings.renewBefore()))
                || caDue(stored.authority(), now)
                || !issuedBy(leaf, stored.authority())
                || !coversNames(leaf);
    }

    private boolean caDue(CertificateAuthority authority, Instant now) {
        return authority.certificate().getNotAfter().toInstant()
                .isBefore(now.plus(settings.validity()).plus(settings.renewBefore()));
    }

    /** The next contents: a new leaf, and a new CA too when there is none or it is due. */
    private StoredCertificates next(StoredCertificates previous) {
        Instant now = clock.instant();
        CertificateAuthority authority;
        List<X509Certificate> trust = new ArrayList<>();
        if (previous == null || caDue(previous.authority(), now)) {
            authority = CertificateAuthority.create("iamlet-webhook-ca-" + now.getEpochSecond(), now,
                    now.plus(settings.caValidity()));
            trust.add(authority.certificate());
            if (previous != null) {
                trust.addAll(previous.material().trust());
            }
        } else {
            authority = previous.authority();
            trust.addAll(previous.material().trust());
        }
        trust.removeIf(ca -> ca.getNotAfter().toInstant().isBefore(now));
        KeyAndChain leaf = authority.issue(settings.dnsNames(), settings.ipAddresses(), now,
                now.plus(settings.validity()));
        return new StoredCertificates(authority, new KeyAndChain(leaf.key(), leaf.chain(), trust));
    }

    private static boolean issuedBy(X509Certificate leaf, CertificateAuthority authority) {
        try {
            leaf.verify(authority.certificate().getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private boolean coversNames(X509Certificate leaf) {
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans == null) {
                return false;
            }
            List<String> present = sans.stream().map(san -> String.valueOf(san.get(1))).toList();
            return present.containsAll(settings.dnsNames())
                    && present.containsAll(settings.ipAddresses().stream().map(InetAddress::getHostAddress).toList());
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
    }
}
