package io.iamlet.identity;

import java.util.concurrent.CompletableFuture;

/**
 * Where the service-account token signing keys come from: the cluster's JWKS and issuer. Implementations must not
 * block the calling thread; they complete exceptionally when the documents cannot be fetched or parsed.
 */
public interface KeySource {

    /** Fetches the current issuer and public keys. Called rarely: at start, on an unknown key id, periodically. */
    CompletableFuture<KeyMaterial> load();
}
