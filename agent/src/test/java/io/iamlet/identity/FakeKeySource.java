package io.iamlet.identity;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A key source that serves what the test says and counts how often it was asked. */
final class FakeKeySource implements KeySource {

    private final AtomicInteger loads = new AtomicInteger();
    private volatile String issuer;
    private volatile JWKSet keys;
    private volatile boolean unreachable;

    FakeKeySource(String issuer, JWKSet keys) {
        serve(issuer, keys);
    }

    void serve(String issuer, JWKSet keys) {
        this.issuer = issuer;
        this.keys = keys;
        this.unreachable = false;
    }

    void serve(JWKSet keys) {
        serve(issuer, keys);
    }

    void goUnreachable() {
        unreachable = true;
    }

    int loads() {
        return loads.get();
    }

    @Override
    public CompletableFuture<KeyMaterial> load() {
        loads.incrementAndGet();
        if (unreachable) {
            return CompletableFuture.failedFuture(new UncheckedIOException(new IOException("connection refused")));
        }
        return CompletableFuture.completedFuture(new KeyMaterial(issuer, keys));
    }
}
