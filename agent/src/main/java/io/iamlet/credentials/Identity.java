package io.iamlet.credentials;

import com.nimbusds.jwt.JWTParser;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who credentials are for: the role and the workload asking for it. The web-identity token, when present, is the
 * caller's own projected token, needed by the web-identity source; {@link #toString()} never shows it.
 *
 * @param roleArn the role assumed first: the pod's role, or with {@link Session#targetRoleArn()} the role chained
 *                from
 * @param session how the session is made beyond the role: target role, external id, session tags
 */
public record Identity(
        String roleArn,
        String namespace,
        String serviceAccount,
        String podName,
        String podUid,
        WebIdentityToken token,
        Session session) {

    public Identity {
        Objects.requireNonNull(roleArn, "roleArn");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(session, "session");
    }

    /** An identity for {@code roleArn} itself, with the source's usual session tags. */
    public Identity(String roleArn, String namespace, String serviceAccount, String podName, String podUid,
                    WebIdentityToken token) {
        this(roleArn, namespace, serviceAccount, podName, podUid, token, Session.PLAIN);
    }

    /** The role the credentials are finally for: the target role when chaining, else {@link #roleArn}. */
    public String effectiveRoleArn() {
        return session.targetRoleArn() == null ? roleArn : session.targetRoleArn();
    }

    /**
     * What a session asks of STS beyond the first role. Part of the cache key: identities that differ in any of it
     * never share credentials.
     *
     * @param targetRoleArn      cross-account: assumed with the credentials of {@code roleArn}; null for none
     * @param externalId         sent with the call for {@code targetRoleArn}; null for none (only with a target)
     * @param disableSessionTags no session tags at all, iamlet's nor {@code extraTags}
     * @param extraTags          session tags added to iamlet's own (checked for STS's limits by whoever made them)
     */
    public record Session(String targetRoleArn, String externalId, boolean disableSessionTags,
                          Map<String, String> extraTags) {

        /** No target, iamlet's tags only. */
        public static final Session PLAIN = new Session(null, null, false, Map.of());

        public Session {
            extraTags = Map.copyOf(extraTags);
            if (externalId != null && targetRoleArn == null) {
                throw new IllegalArgumentException("externalId without targetRoleArn");
            }
            if (disableSessionTags && !extraTags.isEmpty()) {
                throw new IllegalArgumentException("extra session tags with disableSessionTags");
            }
        }

        // equals and hashCode written out (part of every cache key): see CredentialSource.CacheKey
        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Session s && disableSessionTags == s.disableSessionTags
                    && Objects.equals(targetRoleArn, s.targetRoleArn) && Objects.equals(externalId, s.externalId)
                    && extraTags.equals(s.extraTags);
        }

        @Override
        public int hashCode() {
            return ((31 * Objects.hashCode(targetRoleArn) + Objects.hashCode(externalId)) * 31
                    + Boolean.hashCode(disableSessionTags)) * 31 + extraTags.hashCode();
        }

        /** Whether the source chains: assumes {@code roleArn}, then {@link #targetRoleArn} with those credentials. */
        public boolean chained() {
            return targetRoleArn != null;
        }

        /** Without the external id's value: it is not a secret, but only the target's trust policy needs it. */
        @Override
        public String toString() {
            return "Session[targetRoleArn=" + targetRoleArn + ", externalId=" + (externalId == null ? "none" : "set")
                    + ", disableSessionTags=" + disableSessionTags + ", extraTags=" + extraTags.keySet() + "]";
        }
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
