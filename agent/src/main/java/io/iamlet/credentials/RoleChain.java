package io.iamlet.credentials;

import io.iamlet.credentials.CredentialSource.Budget;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * The second step of cross-account role chaining, shared by both sources: {@code AssumeRole} of the target role,
 * signed with the credentials of the role assumed first (a request-level credentials override, so the sources keep
 * one client each), sending the external id.
 *
 * <p>STS limits a session obtained by role chaining to one hour and refuses a longer {@code DurationSeconds}, so the
 * second call asks for {@code min(--session-duration, 1 h)}. Nothing else needs to know: the cache schedules renewal
 * from the credentials' own issue and expiry times, and a renewal re-runs the whole chain (the first role's
 * credentials are used once and never cached, so they cannot expire under the second call).
 */
final class RoleChain {

    /** STS's cap on a chained session. */
    static final Duration MAX_CHAINED = Duration.ofHours(1);
    static final String ACTION = "AssumeRole";

    private final StsAsyncClient sts;
    private final int durationSeconds;
    private final Clock clock;
    private final AwsRequestOverrideConfiguration callerWaiting;

    /**
     * @param sts             any STS client: the request carries its own credentials
     * @param sessionDuration {@code --session-duration}; the chained session asks for at most {@link #MAX_CHAINED}
     */
    RoleChain(StsAsyncClient sts, Duration sessionDuration, Clock clock, Duration firstLoadTimeout) {
        this.sts = Objects.requireNonNull(sts, "sts");
        SessionDurations.seconds(sessionDuration);
        this.durationSeconds = Math.toIntExact(
                (sessionDuration.compareTo(MAX_CHAINED) < 0 ? sessionDuration : MAX_CHAINED).toSeconds());
        this.clock = Objects.requireNonNull(clock, "clock");
        this.callerWaiting = StsClients.oneAttempt(firstLoadTimeout);
    }

    /** DurationSeconds asked for the target role. */
    int durationSeconds() {
        return durationSeconds;
    }

    /**
     * Assumes {@code identity}'s target role with {@code first}, the credentials of its first role. A refusal names
     * the target role ({@code STS AssumeRole for <target> failed: AccessDenied ...}).
     *
     * @param sessionName the session name the source uses for the first call too
     * @param tags        session tags for the target session (empty: none)
     */
    CompletableFuture<Credentials> into(Credentials first, Identity identity, String sessionName, List<Tag> tags,
                                        Budget budget) {
        String target = identity.session().targetRoleArn();
        return StsCredentials.fetch(ACTION, target, clock,
                () -> sts.assumeRole(request(first, identity, target, sessionName, tags, budget)),
                AssumeRoleResponse::credentials);
    }

    private AssumeRoleRequest request(Credentials first, Identity identity, String target, String sessionName,
                                      List<Tag> tags, Budget budget) {
        var signedBy = StaticCredentialsProvider.create(
                AwsSessionCredentials.create(first.accessKeyId(), first.secretAccessKey(), first.sessionToken()));
        var override = (budget == Budget.CALLER_WAITING ? callerWaiting.toBuilder()
                : AwsRequestOverrideConfiguration.builder()).credentialsProvider(signedBy).build();
        var builder = AssumeRoleRequest.builder()
                .overrideConfiguration(override)
                .roleArn(target)
                .roleSessionName(sessionName)
                .durationSeconds(durationSeconds);
        if (identity.session().externalId() != null) {
            builder.externalId(identity.session().externalId());
        }
        if (!tags.isEmpty()) {
            builder.tags(tags);
        }
        return builder.build();
    }
}
