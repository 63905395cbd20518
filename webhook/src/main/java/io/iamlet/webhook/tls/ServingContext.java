package io.iamlet.webhook.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * The TLS server context in use, swapped when the certificate changes: each new connection takes the context of
 * the moment ({@link #get()}), so a renewed certificate is served without a restart while open connections finish
 * on the old one.
 */
public final class ServingContext {

    private record Installed(X509Certificate leaf, SslContext context) {}

    private final AtomicReference<Installed> installed = new AtomicReference<>();

    /** Installs {@code material} unless it is already in use; returns whether it changed. */
    public boolean install(KeyAndChain material) {
        Installed now = installed.get();
        if (now != null && now.leaf().equals(material.leaf())) {
            return false;
        }
        try {
            SslContext context = SslContextBuilder
                    .forServer(material.key(), material.chain().toArray(X509Certificate[]::new))
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
            installed.set(new Installed(material.leaf(), context));
            return true;
        } catch (SSLException e) {
            throw new IllegalStateException("the serving certificate cannot be used for TLS: " + e.getMessage(), e);
        }
    }

    /** Whether a certificate is installed: the server is ready only then. */
    public boolean ready() {
        return installed.get() != null;
    }

    /** The context for a new connection. */
    public SslContext get() {
        Installed now = installed.get();
        if (now == null) {
            throw new IllegalStateException("no serving certificate yet");
        }
        return now.context();
    }
}
