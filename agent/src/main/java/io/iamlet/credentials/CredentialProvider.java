package io.iamlet.credentials;

import java.util.concurrent.CompletableFuture;

/** Credentials for an identity, cached and renewed in the background (implemented by the cache over a source). */
public interface CredentialProvider {

    /**
     * Credentials for {@code identity}: at once from the cache when present, else after one STS call shared by
     * every concurrent caller with the same key. Fails with a {@link io.iamlet.failure.Failure}.
     */
    CompletableFuture<Served> get(Identity identity);

    /** Starts fetching credentials for {@code identity} if none are cached, so a later {@link #get} is a hit. */
    void prefetch(Identity identity);

    /** What was served, and whether it came from the cache (for the audit line and metrics). */
    record Served(Credentials credentials, boolean cacheHit) {
    }
}
