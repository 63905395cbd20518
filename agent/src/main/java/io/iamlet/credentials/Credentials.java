package io.iamlet.credentials;

import java.time.Instant;
import java.util.Objects;

/**
 * Temporary AWS credentials from STS. Immutable; {@link #toString()} shows the access key id only.
 *
 * <p>A class rather than a record so that it can carry its rendered JSON bodies ({@link CredentialsJson}): a cached
 * credential is served many times, and every field of its bodies (Expiration included) is fixed for its lifetime,
 * so each body is rendered once, on first use, not once per request. Equality is that of the seven values.
 *
 * @param accountId    the role's account, from its ARN (may be null)
 * @param stsRequestId the STS request id that issued them, for the audit log
 * @param issuedAt     when iamlet received them, to compute renewal at a fraction of the lifetime
 */
public final class Credentials {

    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;
    private final Instant expiration;
    private final String accountId;
    private final String stsRequestId;
    private final Instant issuedAt;

    /** Bodies rendered on first use (see {@link CredentialsJson}); a race renders twice, harmlessly. */
    volatile byte[] containerBody;
    volatile byte[] imdsBody;

    public Credentials(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration,
                       String accountId, String stsRequestId, Instant issuedAt) {
        this.accessKeyId = Objects.requireNonNull(accessKeyId, "accessKeyId");
        this.secretAccessKey = Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        this.sessionToken = sessionToken;
        this.expiration = Objects.requireNonNull(expiration, "expiration");
        this.accountId = accountId;
        this.stsRequestId = stsRequestId;
        this.issuedAt = Objects.requireNonNull(issuedAt, "issuedAt");
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** May be null. */
    public String sessionToken() {
        return sessionToken;
    }

    public Instant expiration() {
        return expiration;
    }

    /** May be null. */
    public String accountId() {
        return accountId;
    }

    /** May be null. */
    public String stsRequestId() {
        return stsRequestId;
    }

    public Instant issuedAt() {
        return issuedAt;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c
                && accessKeyId.equals(c.accessKeyId)
                && secretAccessKey.equals(c.secretAccessKey)
                && Objects.equals(sessionToken, c.sessionToken)
                && expiration.equals(c.expiration)
                && Objects.equals(accountId, c.accountId)
                && Objects.equals(stsRequestId, c.stsRequestId)
                && issuedAt.equals(c.issuedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(accessKeyId, secretAccessKey, sessionToken, expiration, accountId, stsRequestId,
                issuedAt);
    }

    @Override
    public String toString() {
        return "Credentials[accessKeyId=" + accessKeyId + ", expiration=" + expiration + ", stsRequestId="
                + stsRequestId + "]";
    }
}
