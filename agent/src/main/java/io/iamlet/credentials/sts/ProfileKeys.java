package io.iamlet.credentials.sts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Static keys of the selected profile ({@code aws.profile} / {@code AWS_PROFILE}, else {@code default}) in the shared
 * credentials file ({@code aws.sharedCredentialsFile} / {@code AWS_SHARED_CREDENTIALS_FILE}, else
 * {@code ~/.aws/credentials}): {@code aws_access_key_id}, {@code aws_secret_access_key}, {@code aws_session_token}.
 * Only static keys: profiles that assume a role, run a process or use SSO, and the config file, are not read.
 */
final class ProfileKeys {

    private ProfileKeys() {
    }

    static Optional<AwsKeys> read(Map<String, String> env, Properties system) {
        String file = setting(system, "aws.sharedCredentialsFile", env, "AWS_SHARED_CREDENTIALS_FILE");
        Path path = file != null ? Path.of(expandHome(file, system))
                : Path.of(system.getProperty("user.home", "/"), ".aws", "credentials");
        String profile = setting(system, "aws.profile", env, "AWS_PROFILE");
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        try {
            return keys(Files.readString(path), profile == null ? "default" : profile.trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The keys of {@code profile} in an INI text; empty when the profile or its two keys are absent. */
    static Optional<AwsKeys> keys(String ini, String profile) {
        Map<String, String> values = new HashMap<>();
        String section = null;
        for (String raw : ini.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1).strip();
                continue;
            }
            int eq = line.indexOf('=');
            if (profile.equals(section) && eq > 0) {
                values.putIfAbsent(line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT),
                        line.substring(eq + 1).strip());
            }
        }
        String id = values.get("aws_access_key_id");
        String secret = values.get("aws_secret_access_key");
        if (id == null || id.isEmpty() || secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AwsKeys(id, secret, values.get("aws_session_token"), null));
    }

    private static String expandHome(String file, Properties system) {
        return file.startsWith("~/") ? system.getProperty("user.home", "/") + file.substring(1) : file;
    }

    private static String setting(Properties system, String property, Map<String, String> env, String variable) {
        String value = system.getProperty(property);
        if (value == null || value.isBlank()) {
            value = env.get(variable);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
