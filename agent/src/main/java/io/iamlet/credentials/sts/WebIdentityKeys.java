package io.iamlet.credentials.sts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * The node's keys by web identity, as IRSA gives them to a pod: {@code AssumeRoleWithWebIdentity} of
 * {@code AWS_ROLE_ARN} with the token in {@code AWS_WEB_IDENTITY_TOKEN_FILE} (read again at each renewal, since the
 * kubelet rotates it), session name {@code AWS_ROLE_SESSION_NAME} or {@code iamlet-<millis>}. The system properties
 * {@code aws.webIdentityTokenFile}, {@code aws.roleArn}, {@code aws.roleSessionName} win, as in the SDK.
 */
final class WebIdentityKeys {

    static final String ACTION = "AssumeRoleWithWebIdentity";

    record Settings(Path tokenFile, String roleArn, String sessionName) {
    }

    private final Settings settings;
    private final StsClient sts;

    private WebIdentityKeys(Settings settings, StsClient sts) {
        this.settings = settings;
        this.sts = sts;
    }

    static Optional<Settings> settings(Map<String, String> env, Properties system, Clock clock) {
        String file = setting(env, system, "AWS_WEB_IDENTITY_TOKEN_FILE", "aws.webIdentityTokenFile");
        String role = setting(env, system, "AWS_ROLE_ARN", "aws.roleArn");
        if (file == null || role == null) {
            return Optional.empty();
        }
        String session = setting(env, system, "AWS_ROLE_SESSION_NAME", "aws.roleSessionName");
        return Optional.of(new Settings(Path.of(file.trim()), role.trim(),
                session == null ? "iamlet-" + clock.millis() : session.trim()));
    }

    /** @param sts an unsigned client */
    static NodeKeys create(Settings settings, StsClient sts, Clock clock) {
        return new RenewingKeys("web-identity", new WebIdentityKeys(settings, sts)::fetch, clock);
    }

    private CompletableFuture<AwsKeys> fetch() {
        String token;
        try {
            token = Files.readString(settings.tokenFile()).strip();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new StsTransportException(
                    "could not read AWS_WEB_IDENTITY_TOKEN_FILE: " + e.getClass().getSimpleName()));
        }
        var request = StsRequest.of(ACTION).param("RoleArn", settings.roleArn())
                .param("RoleSessionName", settings.sessionName()).param("WebIdentityToken", token);
        return sts.call(request, StsClient.Call.DEFAULT).thenApply(response -> {
            if (response.credentials() == null) {
                throw new StsTransportException("STS " + ACTION + " for the node's role answered without credentials");
            }
            return response.credentials();
        });
    }

    private static String setting(Map<String, String> env, Properties system, String variable, String property) {
        String value = system.getProperty(property);
        if (value == null || value.isBlank()) {
            value = env.get(variable);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
