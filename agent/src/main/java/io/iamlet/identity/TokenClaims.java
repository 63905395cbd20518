package io.iamlet.identity;

import java.time.Instant;

/** The verified claims of a projected service-account token. Holds no part of the token itself. */
public record TokenClaims(
        String issuer,
        String subject,
        String namespace,
        String podName,
        String podUid,
        String serviceAccountName,
        String serviceAccountUid,
        Instant expiresAt) {
}
