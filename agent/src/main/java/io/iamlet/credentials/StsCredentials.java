package io.iamlet.credentials;

import java.time.Clock;
import software.amazon.awssdk.awscore.AwsResponseMetadata;

/** Converts STS's answer into our {@link Credentials}. */
final class StsCredentials {

    private StsCredentials() {
    }

    static Credentials from(software.amazon.awssdk.services.sts.model.Credentials issued, String roleArn,
                            AwsResponseMetadata metadata, Clock clock) {
        return new Credentials(
                issued.accessKeyId(),
                issued.secretAccessKey(),
                issued.sessionToken(),
                issued.expiration(),
                accountId(roleArn),
                metadata == null ? null : metadata.requestId(),
                clock.instant());
    }

    /** The account of {@code arn:<partition>:iam::<account>:role/<name>}, or null when the ARN is not like that. */
    static String accountId(String roleArn) {
        String[] parts = roleArn == null ? new String[0] : roleArn.split(":", 6);
        if (parts.length == 6 && parts[0].equals("arn") && parts[4].matches("\\d{12}")) {
            return parts[4];
        }
        return null;
    }
}
