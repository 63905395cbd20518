package io.iamlet.identity;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster's token issuer and its public signing keys.
 *
 * @param issuer the {@code issuer} of the OpenID discovery document, or null when the API server publishes none (then
 *               the verifier needs an issuer override)
 * @param keys   public keys only: private parts are dropped here whatever the source handed over
 */
public record KeyMaterial(String issuer, JWKSet keys) {

    public KeyMaterial {
        Objects.requireNonNull(keys, "keys");
        keys = keys.toPublicJWKSet();
    }

    public Optional<String> issuerIfKnown() {
        return Optional.ofNullable(issuer);
    }
}
