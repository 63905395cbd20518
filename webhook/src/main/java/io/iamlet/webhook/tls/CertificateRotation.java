package io.iamlet.webhook.tls;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link ServingContext} on the source's current certificate, and the CA bundle published (self-managed
 * certificates only): once at start ({@link #refresh()}, whose failure stops the start), then every
 * {@code interval}. A failed periodic check is logged and retried at the next one: the certificate in use is renewed
 * long before it expires ({@code --certificate-renew-before}), so a few failures cost nothing.
 */
public final class CertificateRotation {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateRotation.class);

    private final CertificateSource source;
    private final Optional<CaBundlePublisher> publisher;
    private final ServingContext serving;

    public CertificateRotation(CertificateSource source, Optional<CaBundlePublisher> publisher, ServingContext serving) {
        this.source = source;
        this.publisher = publisher;
        this.serving = serving;
    }

    /** One check: fetch (and renew if due), publish the bundle, install. Throws on failure. */
    public void refresh() {
        KeyAndChain material = source.current();
        publisher.ifPresent(p -> p.publish(material.trust()));
        if (serving.install(material)) {
            LOG.info("serving certificate {} valid until {}", material.leaf().getSubjectX500Principal().getName(),
                    material.notAfter());
        }
    }

    /** Runs {@link #refresh()} every {@code interval} on {@code scheduler}. */
    public void schedule(ScheduledExecutorService scheduler, Duration interval) {
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                LOG.warn("certificate check failed; the certificate in use stays until the next check: {}",
                        String.valueOf(e.getMessage()));
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
}
