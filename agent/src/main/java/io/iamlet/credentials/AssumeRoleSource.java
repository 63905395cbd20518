package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * {@code assume-role}: the node's credentials call {@code AssumeRole} with the session tags EKS Pod Identity sets
 * ({@code eks-cluster-name}, {@code kubernetes-namespace}, {@code kubernetes-service-account},
 * {@code kubernetes-pod-name}, {@code kubernetes-pod-uid}), all transitive as with EKS, so ABAC policies written for
 * EKS Pod Identity work unchanged (the role's trust policy must allow {@code sts:TagSession}). Tags are per pod, so
 * the cache key carries the pod uid, and the session name {@code <namespace>.<pod>.<uid hash>} names the pod.
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

    private final StsAsyncClient sts;
    private final String clusterName;
    private final int durationSeconds;
    private final Clock clock;
    private final AwsRequestOverrideConfiguration callerWaiting;

    /**
     * @param sts             a client signing with the node's credentials, {@link StsClients#forAssumeRole}
     * @param clusterName     {@code --cluster-name}, the {@code eks-cluster-name} tag
     * @param sessionDuration DurationSeconds (15 min to 12 h; STS caps role chaining at 1 h)
     */
    public AssumeRoleSource(StsAsyncClient sts, String clusterName, Duration sessionDuration, Clock clock) {
        this(sts, clusterName, sessionDuration, clock, StsClients.FIRST_LOAD_TIMEOUT);
    }

    /** @param firstLoadTimeout {@code --sts-first-load-timeout}: the one attempt of a fetch a caller waits for */
    public AssumeRoleSource(StsAsyncClient sts, String clusterName, Duration sessionDuration, Clock clock,
                            Duration firstLoadTimeout) {
        this.callerWaiting = StsClients.oneAttempt(firstLoadTimeout);
        this.sts = Objects.requireNonNull(sts, "sts");
        if (clusterName == null || clusterName.isBlank()) {
            throw new IllegalArgumentException("--cluster-name is required with --credential-source=assume-role");
        }
        this.clusterName = clusterName;
        this.durationSeconds = SessionDurations.seconds(sessionDuration);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CacheKey keyFor(Identity identity) {
        return new CacheKey(NAME, identity.roleArn(), identity.namespace(), identity.serviceAccount(),
                identity.podUid());
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
        return StsCredentials.fetch(ACTION, identity.roleArn(), clock,
                () -> sts.assumeRole(request(identity, budget)),
                AssumeRoleResponse::credentials);
    }

    private AssumeRoleRequest request(Identity identity, Budget budget) {
        var builder = AssumeRoleRequest.builder();
        if (budget == Budget.CALLER_WAITING) {
            builder.overrideConfiguration(callerWaiting);
        }
        return builder
                .roleArn(identity.roleArn())
                .roleSessionName(SessionNames.forPod(identity.namespace(), identity.podName(), identity.podUid()))
                .durationSeconds(durationSeconds)
                .tags(tag(TAG_CLUSTER, clusterName),
                        tag(TAG_NAMESPACE, identity.namespace()),
                        tag(TAG_SERVICE_ACCOUNT, identity.serviceAccount()),
                        tag(TAG_POD_NAME, identity.podName()),
                        tag(TAG_POD_UID, identity.podUid()))
                .transitiveTagKeys(TRANSITIVE)
                .build();
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(SessionNames.tagValue(value)).build();
    }
}
