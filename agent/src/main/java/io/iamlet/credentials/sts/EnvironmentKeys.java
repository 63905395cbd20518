package io.iamlet.credentials.sts;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Static keys from the JVM's system properties ({@code aws.accessKeyId}, {@code aws.secretAccessKey},
 * {@code aws.sessionToken}) or else the environment ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
 * {@code AWS_SESSION_TOKEN}): the first two links of the AWS SDK's default chain.
 */
final class EnvironmentKeys {

    private EnvironmentKeys() {
    }

    static Optional<AwsKeys> fromSystemProperties(Properties system) {
        return keys(system.getProperty("aws.accessKeyId"), system.getProperty("aws.secretAccessKey"),
                system.getProperty("aws.sessionToken"));
    }

    static Optional<AwsKeys> fromEnvironment(Map<String, String> env) {
        return keys(env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"), env.get("AWS_SESSION_TOKEN"));
    }

    private static Optional<AwsKeys> keys(String id, String secret, String token) {
        if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new AwsKeys(id.trim(), secret.trim(), token == null ? null : token.trim(), null));
    }
}
