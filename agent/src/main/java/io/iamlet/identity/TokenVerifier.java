package io.iamlet.identity;

import java.util.concurrent.CompletableFuture;

/** Verifies a projected service-account token (signature, issuer, audience, lifetime, Kubernetes claims). */
public interface TokenVerifier {

    /**
     * Completes with the token's claims, or exceptionally with a {@link io.iamlet.failure.Failure}:
     * {@code BadRequest} for a token that is not a JWT, {@code Unauthenticated} for a bad signature, wrong issuer or
     * audience, or expiry, {@code Unavailable} when the JWKS cannot be fetched. A token seen before completes at
     * once from a cache keyed by its hash, without a signature check.
     */
    CompletableFuture<TokenClaims> verify(String rawToken);

    /** True once keys have been loaded at least once (for readiness). */
    boolean ready();
}
