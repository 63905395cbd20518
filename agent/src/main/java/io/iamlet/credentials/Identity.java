package io.iamlet.credentials;

import com.nimbusds.jwt.JWTParser;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;

/**
 * Who credentials are for: the role and the workload asking for it. The web-identity token, when present, is the
 * caller's own projected token, needed by the web-identity source; {@link #toString()} never shows it.
 */
public record Identity(
        String roleArn,
        String namespace,
        String serviceAccount,
        String podName,
        String podUid,
        WebIdentityToken token) {

    public Identity {
        Objects.requireNonNull(roleArn, "roleArn");
        Objects.requireNonNull(namespace, "namespace");
    }

    /**
     * A token that never prints, and when it expires. The cache renews only with a token that is still live, so a
     * renewal never sends STS a dead token.
     *
     * @param expiresAt the verified {@code exp} claim; null when the caller did not pass it (then {@link #expiry()}
     *                  reads it from the token)
     */
    public record WebIdentityToken(String value, Instant expiresAt) {
        public WebIdentityToken {
            Objects.requireNonNull(value, "value");
        }

        /** A token whose expiry is read from its {@code exp} claim when needed. */
        public WebIdentityToken(String value) {
            this(value, null);
        }

        /**
         * When the token expires: {@link #expiresAt()} if given, else the JWT's {@code exp} claim, read without
         * verification (the request path verified the token before it reached the cache); empty when the token is
         * not a JWT with an expiry.
         */
        Optional<Instant> expiry() {
            if (expiresAt != null) {
                return Optional.of(expiresAt);
            }
            try {
                Date exp = JWTParser.parse(value).getJWTClaimsSet().getExpirationTime();
                return Optional.ofNullable(exp).map(Date::toInstant);
            } catch (ParseException | RuntimeException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return "WebIdentityToken[redacted]";
        }
    }
}
