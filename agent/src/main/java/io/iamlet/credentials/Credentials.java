package io.iamlet.credentials;

import java.time.Instant;
import java.util.Objects;

/**
 * Temporary AWS credentials from STS. {@link #toString()} shows the access key id only.
 *
 * @param accountId    the role's account, from its ARN (may be null)
 * @param stsRequestId the STS request id that issued them, for the audit log
 * @param issuedAt     when iamlet received them, to compute renewal at a fraction of the lifetime
 */
public record Credentials(
        String accessKeyId,
        String secretAccessKey,
        String sessionToken,
        Instant expiration,
        String accountId,
        String stsRequestId,
        Instant issuedAt) {

    public Credentials {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        Objects.requireNonNull(expiration, "expiration");
        Objects.requireNonNull(issuedAt, "issuedAt");
    }

    @Override
    public String toString() {
        return "Credentials[accessKeyId=" + accessKeyId + ", expiration=" + expiration + ", stsRequestId="
                + stsRequestId + "]";
    }
}
