package io.iamlet.credentials;

import io.iamlet.credentials.CredentialSource.Budget;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import io.iamlet.credentials.sts.AwsKeys;
import io.iamlet.credentials.sts.StsClient;
import io.iamlet.credentials.sts.StsRequest;
import java.util.Map;

/**
 * The second step of cross-account role chaining, shared by both sources: {@code AssumeRole} of the target role,
 * signed with the credentials of the role assumed first (a per-call signing override, so the sources keep one
 * client each), sending the external id.
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

    private final StsClient sts;
    private final int durationSeconds;
    private final Clock clock;
    private final Duration firstLoadTimeout;

    /**
     * @param sts             any STS client: the request carries its own credentials
     * @param sessionDuration {@code --session-duration}; the chained session asks for at most {@link #MAX_CHAINED}
     */
    RoleChain(StsClient sts, Duration sessionDuration, Clock clock, Duration firstLoadTimeout) {
        this.sts = Objects.requireNonNull(sts, "sts");
        SessionDurations.seconds(sessionDuration);
        this.durationSeconds = Math.toIntExact(
                (sessionDuration.compareTo(MAX_CHAINED) < 0 ? sessionDuration : MAX_CHAINED).toSeconds());
        this.clock = Objects.requireNonNull(clock, "clock");
        StsClients.oneAttempt(firstLoadTimeout); // validates
        this.firstLoadTimeout = firstLoadTimeout;
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
    CompletableFuture<Credentials> into(Credentials first, Identity identity, String sessionName,
                                        List<Map.Entry<String, String>> tags, Budget budget) {
        String target = identity.session().targetRoleArn();
        var signedBy = new AwsKeys(first.accessKeyId(), first.secretAccessKey(), first.sessionToken(),
                first.expiration());
        var call = new StsClient.Call(signedBy, budget == Budget.CALLER_WAITING ? firstLoadTimeout : null);
        return StsCredentials.fetch(ACTION, target, clock,
                () -> sts.call(request(identity, target, sessionName, tags), call));
    }

    private StsRequest request(Identity identity, String target, String sessionName,
                               List<Map.Entry<String, String>> tags) {
        return StsRequest.of(ACTION)
                .param("RoleArn", target)
                .param("RoleSessionName", sessionName)
                .param("DurationSeconds", durationSeconds)
                .param("ExternalId", identity.session().externalId())
                .tags(tags);
    }
}
