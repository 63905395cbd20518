package io.iamlet.identity;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Reads the role ARN from a service account's annotation ({@code --role-annotation}).
 *
 * <p>Service accounts are fetched one by one, on first use, and cached (refreshed in the background after
 * {@code refreshAfter}, dropped after {@code expireAfterUnused} without use): the cost follows the service accounts
 * used by pods on this node, not the size of the cluster, and no cluster-wide watch is needed. A refresh that fails
 * keeps serving the last answer (and is tried again after {@code refreshAfter}); a first lookup that fails is held
 * with zero lifetime, so the callers that waited for it share the failure and the next caller asks again. Failures
 * are values, not exceptional futures, which Caffeine would log through {@code System.Logger} on stderr. The ARN is
 * validated and matched against the allow-list on every call, so the cache holds only what the API server said.
 *
 * <p>Threads: the blocking API call runs on {@code executor}, the bounded pool of API-server calls; when its queue
 * is full the request fails at once with a retryable 503 ({@code overloaded}). Cache bookkeeping runs inline.
 */
public final class ServiceAccountRoleResolver implements RoleResolver {

    /** Kubernetes object names: DNS subdomains. Names come from verified tokens; this is a second fence. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    /**
     * @param annotationKey       annotation holding the role ARN ({@code --role-annotation})
     * @param refreshAfter        age after which a used entry is re-read in the background
     * @param expireAfterUnused   entries unused this long are dropped
     * @param maxServiceAccounts  bound of the cache
     */
    public record Settings(String annotationKey, Duration refreshAfter, Duration expireAfterUnused,
                           long maxServiceAccounts) {
        public Settings {
            if (annotationKey == null || annotationKey.isBlank()) {
                throw new IllegalArgumentException("--role-annotation must not be empty");
            }
            if (refreshAfter.isNegative() || refreshAfter.isZero()
                    || expireAfterUnused.compareTo(refreshAfter) <= 0) {
                throw new IllegalArgumentException("service-account cache: refresh must be positive and shorter"
                        + " than expiry, were " + refreshAfter + " and " + expireAfterUnused);
            }
            if (maxServiceAccounts < 1) {
                throw new IllegalArgumentException("service-account cache size must be positive");
            }
        }

        /** {@code eks.amazonaws.com/role-arn}, refresh after 1 min, drop after 10 min unused, 10 000 entries. */
        public static Settings defaults() {
            return new Settings("eks.amazonaws.com/role-arn", Duration.ofMinutes(1), Duration.ofMinutes(10), 10_000);
        }

        public Settings withAnnotationKey(String key) {
            return new Settings(key, refreshAfter, expireAfterUnused, maxServiceAccounts);
        }
    }

    /** Looked up on every request: equals/hashCode written out (a record's go through method handles). */
    private static final class Key {
        final String namespace;
        final String name;
        private final int hash;

        Key(String namespace, String name) {
            this.namespace = namespace;
            this.name = name;
            this.hash = 31 * namespace.hashCode() + name.hashCode();
        }

        String namespace() {
            return namespace;
        }

        String name() {
            return name;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key k && hash == k.hash && namespace.equals(k.namespace) && name.equals(k.name);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * What the API server said: whether the service account exists, and its annotation (null if absent); or, when
     * it could not be asked, why ({@code error} non-null). {@code allowed} remembers a decision that found the role
     * ARN valid and allowed: the decision depends only on this answer and the fixed settings, so the ARN's checks
     * (regular expressions) run once per answer, not once per request.
     */
    private record Lookup(boolean exists, String annotation, Throwable error, AtomicReference<String> allowed) {
        Lookup(boolean exists, String annotation, Throwable error) {
            this(exists, annotation, error, new AtomicReference<>());
        }

        static Lookup failed(Throwable error) {
            return new Lookup(false, null, error);
        }
    }

    /** The one API call, a seam for tests: the service account, or null when it does not exist. Blocking. */
    @FunctionalInterface
    interface ServiceAccounts {
        ServiceAccount get(String namespace, String name);
    }

    private static final String BUSY = "asking the API server for other service accounts";

    private final ServiceAccounts serviceAccounts;
    private final Executor executor;
    private final Settings settings;
    private final RoleArnAllowList allowList;
    private final MeterRegistry registry;
    private final AsyncLoadingCache<Key, Lookup> lookups;
    private final Counter allowedResolutions;

    /**
     * @param client   the agent's API client (needs {@code get} on {@code serviceaccounts})
     * @param executor runs the blocking fabric8 calls (loads and refreshes): the bounded pool of API-server calls
     * @param ticker   Caffeine's time source (fake in tests)
     */
    public ServiceAccountRoleResolver(KubernetesClient client, Settings settings, RoleArnAllowList allowList,
                                      Executor executor, Ticker ticker, MeterRegistry registry) {
        this(apiServer(FailFast.view(Objects.requireNonNull(client, "client"))), settings, allowList, executor, ticker,
                registry);
    }

    ServiceAccountRoleResolver(ServiceAccounts serviceAccounts, Settings settings, RoleArnAllowList allowList,
                               Executor executor, Ticker ticker, MeterRegistry registry) {
        this.serviceAccounts = Objects.requireNonNull(serviceAccounts, "serviceAccounts");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.allowList = Objects.requireNonNull(allowList, "allowList");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.allowedResolutions = resolutions(registry, "allowed", "role_found");
        Duration unused = settings.expireAfterUnused();
        this.lookups = Caffeine.newBuilder()
                .maximumSize(settings.maxServiceAccounts())
                .refreshAfterWrite(settings.refreshAfter())
                // as expireAfterAccess, but a failed first lookup lives for no time at all
                .expireAfter(Expiry.<Key, Lookup>accessing((key, lookup) ->
                        lookup.error() == null ? unused : Duration.ZERO))
                .executor(Runnable::run)
                .ticker(ticker)
                .buildAsync(new AsyncCacheLoader<>() {
                    @Override
                    public CompletableFuture<Lookup> asyncLoad(Key key, Executor ignored) {
                        return fetchAsync(key);
                    }

                    @Override
                    public CompletableFuture<Lookup> asyncReload(Key key, Lookup old, Executor ignored) {
                        return fetchAsync(key).thenApply(fresh -> fresh.error() == null ? fresh : old);
                    }
                });
    }

    private static ServiceAccounts apiServer(KubernetesClient client) {
        return (namespace, name) -> client.serviceAccounts().inNamespace(namespace).withName(name).get();
    }

    @Override
    public CompletableFuture<String> roleArnFor(String namespace, String serviceAccount) {
        if (namespace != null && serviceAccount != null) {
            // the cached path: only valid names are ever keys, and an allowed answer is decided once
            CompletableFuture<Lookup> known = lookups.getIfPresent(new Key(namespace, serviceAccount));
            if (known != null && known.isDone() && !known.isCompletedExceptionally()) {
                String arn = known.join().allowed().get();
                if (arn != null) { // getIfPresent counted as an access (expiry) and triggered a due refresh
                    allowedResolutions.increment();
                    return CompletableFuture.completedFuture(arn);
                }
            }
        }
        if (namespace == null || serviceAccount == null
                || !NAME.matcher(namespace).matches() || !NAME.matcher(serviceAccount).matches()) {
            return counted(CompletableFuture.failedFuture(
                    new Failure.Denied("invalid_service_account", "not a valid service account name")));
        }
        String ref = namespace + "/" + serviceAccount;
        Key key = new Key(namespace, serviceAccount);
        CompletableFuture<String> arn = lookups.get(key).thenApply(lookup -> {
            if (lookup.error() != null) {
                Throwable cause = lookup.error();
                throw Failure.find(cause).orElseGet(() -> new Failure.Unavailable("apiserver_unavailable",
                        "the API server could not be asked for service account " + ref, cause));
            }
            return decide(ref, lookup);
        });
        return counted(arn);
    }

    private String decide(String ref, Lookup lookup) {
        String key = settings.annotationKey();
        if (!lookup.exists()) {
            throw new Failure.Denied("service_account_not_found", "service account " + ref + " does not exist");
        }
        if (lookup.annotation() == null || lookup.annotation().isBlank()) {
            throw new Failure.Denied("no_role_annotation",
                    "service account " + ref + " has no " + key + " annotation naming an IAM role");
        }
        String allowed = lookup.allowed().get();
        if (allowed != null) {
            return allowed;
        }
        String arn = lookup.annotation().strip();
        var problem = RoleArns.problem(arn);
        if (problem.isPresent()) {
            throw new Failure.Denied("invalid_role_arn", "the " + key + " annotation of service account " + ref
                    + " is not a valid IAM role ARN: " + problem.get());
        }
        if (!allowList.allows(arn)) {
            throw new Failure.Denied("role_not_allowed",
                    "role " + arn + " of service account " + ref + " is not allowed by --allowed-role-pattern");
        }
        lookup.allowed().set(arn);
        return arn;
    }

    /** The lookup on the executor; never completes exceptionally (a failure is a {@link Lookup#failed} value). */
    private CompletableFuture<Lookup> fetchAsync(Key key) {
        return Offload.supply(() -> fetch(key), executor, BUSY)
                .exceptionally(error -> Lookup.failed(
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error));
    }

    /** Blocking. */
    private Lookup fetch(Key key) {
        ServiceAccount sa;
        try {
            sa = serviceAccounts.get(key.namespace(), key.name());
        } catch (RuntimeException e) {
            fetched("error");
            return Lookup.failed(e);
        }
        if (sa == null) {
            fetched("not_found");
            return new Lookup(false, null, null);
        }
        fetched("found");
        Map<String, String> annotations = sa.getMetadata() == null ? null : sa.getMetadata().getAnnotations();
        return new Lookup(true, annotations == null ? null : annotations.get(settings.annotationKey()), null);
    }

    private void fetched(String result) {
        Counter.builder("iamlet.serviceaccount.fetches")
                .description("Service accounts read from the API server for their role annotation")
                .tag("result", result).register(registry).increment();
    }

    private CompletableFuture<String> counted(CompletableFuture<String> result) {
        return result.whenComplete((arn, error) -> {
            Failure f = error == null ? null : Failure.find(error).orElse(null);
            String outcome = error == null ? "allowed" : f == null ? "error"
                    : f.transientFailure() ? "unavailable" : "denied";
            String reason = error == null ? "role_found" : f == null ? "internal" : f.reason();
            (error == null ? allowedResolutions : resolutions(registry, outcome, reason)).increment();
        });
    }

    private static Counter resolutions(MeterRegistry registry, String outcome, String reason) {
        return Counter.builder("iamlet.role.resolutions")
                .description("Service account to IAM role resolutions by outcome and reason")
                .tag("outcome", outcome).tag("reason", reason).register(registry);
    }
}
