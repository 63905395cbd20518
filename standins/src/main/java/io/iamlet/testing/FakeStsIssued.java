package io.iamlet.testing;

import java.time.Instant;

/** Credentials FakeSts issued. {@link #toString()} shows neither the secret nor the session token. */
public record FakeStsIssued(
        String accessKeyId,
        String secretAccessKey,
        String sessionToken,
        Instant expiration,
        String roleArn,
        String sessionName,
        String account,
        String assumedRoleArn,
        String assumedRoleId) {

    @Override
    public String toString() {
        return "FakeStsIssued[accessKeyId=" + accessKeyId + ", roleArn=" + roleArn + ", sessionName=" + sessionName
                + ", expiration=" + expiration + "]";
    }
}
