package io.iamlet.credentials.sts;

import java.time.Instant;
import java.util.Objects;

/**
 * Keys that sign a request: the node's own credentials or the first role's of a chain. {@link #toString()} shows
 * the access key id only.
 *
 * @param sessionToken null for long-term keys
 * @param expiration   null when the keys do not expire (static keys)
 */
public record AwsKeys(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration) {

    public AwsKeys {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        if (accessKeyId.isBlank() || secretAccessKey.isBlank()) {
            throw new IllegalArgumentException("access key id and secret access key must not be blank");
        }
        sessionToken = sessionToken == null || sessionToken.isBlank() ? null : sessionToken;
    }

    /** Long-term keys (no session token, no expiry). */
    public static AwsKeys of(String accessKeyId, String secretAccessKey) {
        return new AwsKeys(accessKeyId, secretAccessKey, null, null);
    }

    @Override
    public String toString() {
        return "AwsKeys[accessKeyId=" + accessKeyId + ", expiration=" + expiration + "]";
    }
}
