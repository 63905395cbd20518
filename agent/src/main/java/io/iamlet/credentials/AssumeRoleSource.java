package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import io.iamlet.credentials.sts.StsClient;
import io.iamlet.credentials.sts.StsRequest;

/**
 * {@code assume-role}: the node's credentials call {@code AssumeRole} with the session tags EKS Pod Identity sets
 * ({@code eks-cluster-name}, {@code kubernetes-namespace}, {@code kubernetes-service-account},
 * {@code kubernetes-pod-name}, {@code kubernetes-pod-uid}), all transitive as with EKS, so ABAC policies written for
 * EKS Pod Identity work unchanged (the role's trust policy must allow {@code sts:TagSession}). Tags are per pod, so
 * the cache key carries the pod uid, and the session name {@code <namespace>.<pod>.<uid hash>} names the pod.
 *
 * <p>An association's extra session tags are added to these (transitive too); {@code disableSessionTags} sends none.
 * Cross-account ({@link Identity.Session#chained()}): those credentials then assume the target role
 * ({@link RoleChain}) with the same session name and the external id, and no tags of their own: the first session's
 * tags are transitive, so STS carries them into the target session (and would refuse them set again).
 */
public final class AssumeRoleSource implements CredentialSource {

    public static final String NAME = "assume-role";
    static final String ACTION = "AssumeRole";
    static final String TAG_CLUSTER = "eks-cluster-name";
    static final String TAG_NAMESPACE = "kubernetes-namespace";
    static final String TAG_SERVICE_ACCOUNT = "kubernetes-service-account";
    static final String TAG_POD_NAME = "kubernetes-pod-name";
    static final String TAG_POD_UID = "kubernetes-pod-uid";
    private static final List<String> TRANSITIVE =
            List.of(TAG_CLUSTER, TAG_NAMESPACE, TAG_SERVICE_ACCOUNT, TAG_POD_NAME, TAG_POD_UID);

    private final StsClient sts;
    private final String clusterName;
    private final int durationSeconds;
    private final Clock clock;
    private final StsClient.Call callerWaiting;
    private final RoleChain chain;

    /**
     * @param sts             a client signing with the node's credentials, {@link StsClients#forAssumeRole}
     * @param clusterName     {@code --cluster-name}, the {@code eks-cluster-name} tag
     * @param sessionDuration DurationSeconds (15 min to 12 h; STS caps role chaining at 1 h)
     */
    public AssumeRoleSource(StsClient sts, String clusterName, Duration sessionDuration, Clock clock) {
        this(sts, clusterName, sessionDuration, clock, StsClients.FIRST_LOAD_TIMEOUT);
    }

    /** @param firstLoadTimeout {@code --sts-first-load-timeout}: the one attempt of a fetch a caller waits for */
    public AssumeRoleSource(StsClient sts, String clusterName, Duration sessionDuration, Clock clock,
                            Duration firstLoadTimeout) {
        this.callerWaiting = StsClients.oneAttempt(firstLoadTimeout);
        this.sts = Objects.requireNonNull(sts, "sts");
        if (clusterName == null || clusterName.isBlank()) {
            throw new IllegalArgumentException("--cluster-name is required with --credential-source=assume-role");
        }
        this.clusterName = clusterName;
        this.durationSeconds = SessionDurations.seconds(sessionDuration);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.chain = new RoleChain(sts, sessionDuration, clock, firstLoadTimeout);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CacheKey keyFor(Identity identity) {
        return new CacheKey(NAME, identity.roleArn(), identity.namespace(), identity.serviceAccount(),
                identity.podUid(), identity.session());
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity) {
        return fetch(identity, Budget.BACKGROUND);
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity, Budget budget) {
        if (identity.podName() == null || identity.podUid() == null || identity.serviceAccount() == null) {
            return CompletableFuture.failedFuture(new Failure.Denied("incomplete_identity",
                    "the assume-role credential source needs the pod's name, uid and service account"));
        }
        CompletableFuture<Credentials> first = StsCredentials.fetch(ACTION, identity.roleArn(), clock,
                () -> sts.call(request(identity), budget == Budget.CALLER_WAITING ? callerWaiting
                        : StsClient.Call.DEFAULT));
        if (!identity.session().chained()) {
            return first;
        }
        return first.thenCompose(credentials -> chain.into(credentials, identity, sessionName(identity), List.of(),
                budget));
    }

    private static String sessionName(Identity identity) {
        return SessionNames.forPod(identity.namespace(), identity.podName(), identity.podUid());
    }

    private StsRequest request(Identity identity) {
        var request = StsRequest.of(ACTION)
                .param("RoleArn", identity.roleArn())
                .param("RoleSessionName", sessionName(identity))
                .param("DurationSeconds", durationSeconds);
        Identity.Session session = identity.session();
        if (session.disableSessionTags()) {
            return request;
        }
        List<Map.Entry<String, String>> tags = new ArrayList<>(List.of(tag(TAG_CLUSTER, clusterName),
                tag(TAG_NAMESPACE, identity.namespace()),
                tag(TAG_SERVICE_ACCOUNT, identity.serviceAccount()),
                tag(TAG_POD_NAME, identity.podName()),
                tag(TAG_POD_UID, identity.podUid())));
        List<String> transitive = new ArrayList<>(TRANSITIVE);
        session.extraTags().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(extra -> {
            tags.add(tag(extra.getKey(), extra.getValue()));
            transitive.add(extra.getKey());
        });
        return request.tags(tags).list("TransitiveTagKeys", transitive);
    }

    private static Map.Entry<String, String> tag(String key, String value) {
        return Map.entry(key, SessionNames.tagValue(value));
    }
}
