package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import io.iamlet.credentials.sts.StsClient;
import io.iamlet.credentials.sts.StsRequest;

/**
 * {@code web-identity} (the default): {@code AssumeRoleWithWebIdentity} with the caller's own projected
 * service-account token, so the node needs no IAM permission at all. Credentials depend only on role, namespace
 * and service account, so every pod of one service account shares them; the session name is
 * {@code <namespace>.<serviceAccount>} because a pod name would misattribute the shared session to one pod.
 *
 * <p>Cross-account ({@link Identity.Session#chained()}): the web-identity call's credentials then assume the target
 * role ({@link RoleChain}) with the same session name, the external id and the extra session tags (the only call of
 * the chain that can carry tags: {@code AssumeRoleWithWebIdentity} takes its tags from the token).
 */
public final class WebIdentitySource implements CredentialSource {

    public static final String NAME = "web-identity";
    static final String ACTION = "AssumeRoleWithWebIdentity";

    private final StsClient sts;
    private final int durationSeconds;
    private final Clock clock;
    private final StsClient.Call callerWaiting;
    private final RoleChain chain;

    /**
     * @param sts             an anonymous client, {@link StsClients#forWebIdentity}
     * @param sessionDuration DurationSeconds asked of STS (15 min to 12 h; the role's maximum must allow it)
     */
    public WebIdentitySource(StsClient sts, Duration sessionDuration, Clock clock) {
        this(sts, sessionDuration, clock, StsClients.FIRST_LOAD_TIMEOUT);
    }

    /** @param firstLoadTimeout {@code --sts-first-load-timeout}: the one attempt of a fetch a caller waits for */
    public WebIdentitySource(StsClient sts, Duration sessionDuration, Clock clock, Duration firstLoadTimeout) {
        this.sts = Objects.requireNonNull(sts, "sts");
        this.durationSeconds = SessionDurations.seconds(sessionDuration);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.callerWaiting = StsClients.oneAttempt(firstLoadTimeout);
        this.chain = new RoleChain(sts, sessionDuration, clock, firstLoadTimeout);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CacheKey keyFor(Identity identity) {
        return new CacheKey(NAME, identity.roleArn(), identity.namespace(), identity.serviceAccount(), null,
                identity.session());
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity) {
        return fetch(identity, Budget.BACKGROUND);
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity, Budget budget) {
        if (identity.token() == null) {
            return CompletableFuture.failedFuture(new Failure.Denied("no_token",
                    "the web-identity credential source needs the caller's service-account token"));
        }
        CompletableFuture<Credentials> first = StsCredentials.fetch(ACTION, identity.roleArn(), clock,
                () -> sts.call(request(identity), budget == Budget.CALLER_WAITING ? callerWaiting
                        : StsClient.Call.DEFAULT));
        if (!identity.session().chained()) {
            return first;
        }
        return first.thenCompose(credentials -> chain.into(credentials, identity, sessionName(identity),
                extraTags(identity.session()), budget));
    }

    private static String sessionName(Identity identity) {
        return SessionNames.forServiceAccount(identity.namespace(), identity.serviceAccount());
    }

    private static List<Map.Entry<String, String>> extraTags(Identity.Session session) {
        if (session.disableSessionTags()) {
            return List.of();
        }
        return session.extraTags().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> Map.entry(e.getKey(), SessionNames.tagValue(e.getValue())))
                .toList();
    }

    private StsRequest request(Identity identity) {
        return StsRequest.of(ACTION)
                .param("RoleArn", identity.roleArn())
                .param("RoleSessionName", sessionName(identity))
                .param("WebIdentityToken", identity.token().value())
                .param("DurationSeconds", durationSeconds);
    }
}
