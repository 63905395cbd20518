package io.iamlet.podidentity;

import io.iamlet.associations.GrantResolver;
import io.iamlet.associations.RoleGrant;
import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.credentials.Credentials;
import io.iamlet.credentials.Identity;
import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleResolver;
import io.iamlet.identity.TokenClaims;
import io.iamlet.identity.TokenVerifier;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodIndex.PodAt;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The container endpoint's decision, from a projected token and a source address to credentials.
 *
 * <p>The order matters. The token is verified first (a cached result costs a hash), then the pod the token names
 * (by uid) is found, then the two are <em>bound</em>: that pod must hold the source address, and its namespace and
 * service account must be the token's. A token copied out of one pod and replayed from another is refused, which
 * is what makes a stolen token useless outside its pod. Only then is the service account's grant looked up and
 * credentials fetched. Every path ends in exactly one audit event, which names the role the pod gets: the target
 * role of a cross-account grant, whose source role the grant's association names.
 *
 * <p>The token's pod is looked up by uid, not the pod by address, because an address is reused as soon as a pod is
 * gone: a new pod asking from it before the pod watch has delivered it must get a retryable 503 ("not yet known",
 * after the same bounded wait as an unknown address), not a final 403. Only a pod the index knows at another
 * address, or knows was deleted, makes a {@code pod_mismatch}, which stays a token-replay alert.
 */
public final class PodIdentityService implements ContainerCredentialService {

    static final String ENDPOINT = "container";

    private final TokenVerifier verifier;
    private final PodIndex pods;
    private final GrantResolver roles;
    private final CredentialProvider credentials;
    private final AuditLog audit;

    public PodIdentityService(TokenVerifier verifier, PodIndex pods, GrantResolver roles,
                              CredentialProvider credentials, AuditLog audit) {
        this.verifier = verifier;
        this.pods = pods;
        this.roles = roles;
        this.credentials = credentials;
        this.audit = audit;
    }

    /** With a resolver that knows roles only (an annotation's): every grant is that role itself, unchained. */
    public PodIdentityService(TokenVerifier verifier, PodIndex pods, RoleResolver roles,
                              CredentialProvider credentials, AuditLog audit) {
        this(verifier, pods, plain(roles), credentials, audit);
    }

    private static GrantResolver plain(RoleResolver roles) {
        if (roles instanceof GrantResolver grants) {
            return grants; // its roleArnFor names a chain's target, which must never be assumed directly
        }
        return new GrantResolver() {
            @Override
            public CompletableFuture<String> roleArnFor(String namespace, String serviceAccount) {
                return roles.roleArnFor(namespace, serviceAccount);
            }

            @Override
            public CompletableFuture<RoleGrant> grantFor(String namespace, String serviceAccount) {
                return roles.roleArnFor(namespace, serviceAccount).thenApply(RoleGrant::fromAnnotation);
            }
        };
    }

    /**
     * Credentials for the caller at {@code sourceIp} presenting {@code token}; fails with a {@link Failure}.
     *
     * <p>Each step may answer at once (a verified token, a known pod, a cached grant and credentials: the usual
     * request) or later. A step that has answered is followed synchronously, without building a chain of dependent
     * futures; one that has not is followed when it completes. Either way the steps, their order and the audit event
     * are the same.
     */
    @Override
    public CompletableFuture<Credentials> credentialsFor(String sourceIp, String token) {
        var trail = new Trail(AuditEvent.from(ENDPOINT, sourceIp));
        CompletableFuture<CredentialProvider.Served> served;
        try {
            CompletableFuture<TokenClaims> verified = verifier.verify(token);
            TokenClaims claims = now(verified);
            served = claims != null ? afterVerified(claims, sourceIp, token, trail)
                    : verified.thenCompose(c -> afterVerified(c, sourceIp, token, trail));
        } catch (RuntimeException e) {
            served = CompletableFuture.failedFuture(e);
        }
        CredentialProvider.Served done = now(served);
        if (done != null) {
            return CompletableFuture.completedFuture(granted(trail, done));
        }
        return served.handle((s, error) -> {
            if (error != null) {
                Failure failure = Failure.find(error).orElse(null);
                audit.record(trail.event.denied(failure == null ? 500 : failure.status(),
                        failure == null ? "internal_error" : failure.reason()));
                throw error instanceof CompletionException ce ? ce : new CompletionException(error);
            }
            return granted(trail, s);
        });
    }

    private CompletableFuture<CredentialProvider.Served> afterVerified(TokenClaims claims, String sourceIp,
                                                                      String token, Trail trail) {
        CompletableFuture<PodAt> pod = pods.awaitPod(sourceIp, claims.podUid());
        PodAt found = now(pod);
        if (found == null) {
            return pod.thenCompose(f -> afterBound(bind(claims, sourceIp, f, trail), token, trail));
        }
        return afterBound(bind(claims, sourceIp, found, trail), token, trail);
    }

    private CompletableFuture<CredentialProvider.Served> afterBound(TokenClaims claims, String token, Trail trail) {
        CompletableFuture<RoleGrant> grantFor = roles.grantFor(claims.namespace(), claims.serviceAccountName());
        RoleGrant grant = now(grantFor);
        if (grant == null) {
            return grantFor.thenCompose(g -> fetch(claims, g, token, trail));
        }
        return fetch(claims, grant, token, trail);
    }

    private CompletableFuture<CredentialProvider.Served> fetch(TokenClaims claims, RoleGrant grant, String token,
                                                               Trail trail) {
        trail.event = trail.event.role(grant.effectiveRoleArn());
        return credentials.get(new Identity(grant.roleArn(), claims.namespace(), claims.serviceAccountName(),
                claims.podName(), claims.podUid(), new Identity.WebIdentityToken(token, claims.expiresAt()),
                session(grant)));
    }

    private Credentials granted(Trail trail, CredentialProvider.Served served) {
        Credentials c = served.credentials();
        audit.record(trail.event.granted(served.cacheHit(), c.stsRequestId(), c.accessKeyId()));
        return c;
    }

    /** The value of a future that has completed normally, else null (not yet done, failed, or a null value). */
    private static <T> T now(CompletableFuture<T> future) {
        return future.isDone() && !future.isCompletedExceptionally() ? future.getNow(null) : null;
    }

    /** What the credential source needs of the grant beyond its first role. */
    static Identity.Session session(RoleGrant grant) {
        if (!grant.chained() && !grant.disableSessionTags() && grant.sessionTags().isEmpty()) {
            return Identity.Session.PLAIN;
        }
        return new Identity.Session(grant.targetRoleArn().orElse(null), grant.externalId().orElse(null),
                grant.disableSessionTags(), grant.disableSessionTags() ? Map.of() : grant.sessionTags());
    }

    private TokenClaims bind(TokenClaims claims, String sourceIp, PodAt found, Trail trail) {
        if (found instanceof PodAt.Here(var pod)) {
            trail.event = trail.event.pod(pod.namespace(), pod.name(), pod.serviceAccount());
            if (pod.namespace().equals(claims.namespace())
                    && pod.serviceAccount().equals(claims.serviceAccountName())) {
                return claims;
            }
        } else {
            // The audit names the pod the request came from, if known: that is where a copied token is replayed.
            pods.at(sourceIp).ifPresent(pod ->
                    trail.event = trail.event.pod(pod.namespace(), pod.name(), pod.serviceAccount()));
        }
        throw new Failure.Denied("pod_mismatch", "the token was not issued to the pod at this source address");
    }

    /** The audit event as far as the request got; written by one stage at a time, in order. */
    private static final class Trail {
        volatile AuditEvent event;

        Trail(AuditEvent event) {
            this.event = event;
        }
    }
}
