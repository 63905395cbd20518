package io.iamlet.credentials;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** Where credentials come from: one STS call per invocation, no caching (the cache decorates a source). */
public interface CredentialSource {

    /** Short name for logs and metric tags: {@code web-identity}, {@code assume-role}. */
    String name();

    /** What makes credentials interchangeable for this source: identities with equal keys share credentials. */
    CacheKey keyFor(Identity identity);

    /**
     * Fetches fresh credentials with the {@link Budget#BACKGROUND} budget. Completes exceptionally with
     * {@code Failure.Denied} for irrecoverable STS errors (access denied, invalid or expired identity token: the
     * cache evicts) or {@code Failure.Unavailable} for transient ones (throttling, 5xx, network: the cache keeps
     * serving and retries).
     */
    CompletableFuture<Credentials> fetch(Identity identity);

    /** Fetches with the given STS budget; sources without budgets of their own ignore it. */
    default CompletableFuture<Credentials> fetch(Identity identity, Budget budget) {
        return fetch(identity);
    }

    /** How long one fetch may take STS. */
    enum Budget {
        /** A caller waits: one short attempt ({@code --sts-first-load-timeout}), under every SDK's patience. */
        CALLER_WAITING,
        /** Nobody waits (renewal, prefetch): the client's full budget, with retries. */
        BACKGROUND
    }

    /**
     * Cache key. {@code podUid} is null unless the source's sessions carry per-pod tags. {@code session} holds the
     * target role, external id and tags, so that two grants chaining from one role to different targets (or with
     * different external ids or tags) never share credentials.
     */
    record CacheKey(String source, String roleArn, String namespace, String serviceAccount, String podUid,
                    Identity.Session session) {

        public CacheKey {
            Objects.requireNonNull(session, "session");
        }

        /** A key for a role assumed without chaining, with the source's usual tags. */
        public CacheKey(String source, String roleArn, String namespace, String serviceAccount, String podUid) {
            this(source, roleArn, namespace, serviceAccount, podUid, Identity.Session.PLAIN);
        }

        // equals and hashCode written out: a record's generated ones go through method handles, which C1 (the
        // image's only JIT) does not inline; this key is looked up on every cached request
        @Override
        public boolean equals(Object o) {
            return o instanceof CacheKey k && Objects.equals(roleArn, k.roleArn)
                    && Objects.equals(podUid, k.podUid)
                    && Objects.equals(serviceAccount, k.serviceAccount)
                    && Objects.equals(namespace, k.namespace) && Objects.equals(source, k.source)
                    && session.equals(k.session);
        }

        @Override
        public int hashCode() {
            int h = Objects.hashCode(source);
            h = 31 * h + Objects.hashCode(roleArn);
            h = 31 * h + Objects.hashCode(namespace);
            h = 31 * h + Objects.hashCode(serviceAccount);
            h = 31 * h + Objects.hashCode(podUid);
            return 31 * h + session.hashCode();
        }
    }
}
