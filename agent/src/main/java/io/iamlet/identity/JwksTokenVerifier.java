package io.iamlet.identity;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JOSEException;
import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies projected service-account tokens locally against the cluster's JWKS.
 *
 * <p>Design: a verified token's claims are cached under the SHA-256 of the token (never the token) until the token
 * expires, so a token seen before completes synchronously with no signature work. A first sighting is verified on
 * {@code executor}: structure and algorithm ({@link ProjectedTokens#parse}), then the signature with the key named by
 * {@code kid} ({@link KeyRing}; an unknown kid triggers one rate-limited refresh), then issuer, audience, lifetime
 * and the pod binding. Failures are never served from the cache: they are held as values of zero lifetime, so the
 * callers that waited on the same verification share it and the next caller starts afresh. (Not as exceptional
 * futures: Caffeine logs every failed load at WARNING through {@code System.Logger}, on stderr, outside our logging;
 * a stream of malformed tokens would fill it.) When a refresh drops a key or changes the issuer, every cached
 * result is discarded, so a revoked signing key stops working at the next refresh.
 *
 * <p>Threads: first-time verifications (the signature check is the CPU cost) run on {@code executor}, a bounded pool
 * of their own, apart from the API-server calls of {@link KeySource} and role lookups, so a slow API server does not
 * delay verification. When its queue is full the request fails at once with a retryable 503 ({@code overloaded}).
 * Cache bookkeeping runs inline on the caller's thread: it is short and never blocks.
 */
public final class JwksTokenVerifier implements TokenVerifier, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JwksTokenVerifier.class);
    private static final String METRIC = "iamlet.token.verifications";
    private static final String BUSY = "verifying other tokens";

    /**
     * @param audience          audience every token must carry ({@code --audience})
     * @param issuerOverride    issuer to require instead of the discovery document's; null to use the discovered one
     * @param clockSkew         tolerance on {@code exp}, {@code nbf} and {@code iat}
     * @param minRefreshInterval at most one key load per this interval (unknown key ids, periodic refreshes)
     * @param retryAfterFailure  the shorter wait after a failed load
     * @param keysMaxAge        keys older than this are refreshed by {@link #maintain()}
     * @param maxCachedTokens   bound of the verified-token cache
     */
    public record Settings(String audience, String issuerOverride, Duration clockSkew, Duration minRefreshInterval,
                           Duration retryAfterFailure, Duration keysMaxAge, long maxCachedTokens) {
        public Settings {
            if (audience == null || audience.isBlank()) {
                throw new IllegalArgumentException("--audience must not be empty");
            }
            if (issuerOverride != null && issuerOverride.isBlank()) {
                issuerOverride = null;
            }
            requirePositive(clockSkew, "clock skew", true);
            requirePositive(minRefreshInterval, "minimum JWKS refresh interval", false);
            requirePositive(retryAfterFailure, "JWKS retry interval", false);
            requirePositive(keysMaxAge, "JWKS maximum age", false);
            if (maxCachedTokens < 1) {
                throw new IllegalArgumentException("token cache size must be positive, was " + maxCachedTokens);
            }
        }

        /** Audience {@code pods.eks.amazonaws.com}, 60 s skew, refresh at most every 30 s, keys kept 10 min. */
        public static Settings defaults() {
            return new Settings("pods.eks.amazonaws.com", null, Duration.ofSeconds(60), Duration.ofSeconds(30),
                    Duration.ofSeconds(2), Duration.ofMinutes(10), 10_000);
        }

        public Settings withAudience(String value) {
            return new Settings(value, issuerOverride, clockSkew, minRefreshInterval, retryAfterFailure, keysMaxAge,
                    maxCachedTokens);
        }

        public Settings withIssuerOverride(String value) {
            return new Settings(audience, value, clockSkew, minRefreshInterval, retryAfterFailure, keysMaxAge,
                    maxCachedTokens);
        }

        public Settings withMaxCachedTokens(long value) {
            return new Settings(audience, issuerOverride, clockSkew, minRefreshInterval, retryAfterFailure,
                    keysMaxAge, value);
        }

        private static void requirePositive(Duration d, String what, boolean zeroAllowed) {
            if (d == null || d.isNegative() || (!zeroAllowed && d.isZero())) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
        }
    }

    private final Settings settings;
    private final Executor executor;
    private final Clock clock;
    private final MeterRegistry registry;
    private final KeyRing keyRing;
    private final AsyncCache<TokenDigest, Outcome> verified;

    /** A verification's result as the cache holds it. */
    private sealed interface Outcome {
    }

    private record Accepted(TokenClaims claims) implements Outcome {
    }

    /** Held with zero lifetime: seen by the callers that waited for it, by no later one. */
    private record Rejected(Throwable error) implements Outcome {
    }

    /** The two outcomes of every accepted token, registered once; failures are rare and built when they occur. */
    private final Counter cacheHits;
    private final Counter verifiedFirstTime;
    private volatile ScheduledFuture<?> maintenance;

    /**
     * @param keySource where keys come from, e.g. {@link ApiServerKeySource}
     * @param executor  runs first-time verifications (signature work): bounded, never the Netty event loop, and not
     *                  the pool that calls the API server
     * @param clock     for token lifetimes and the refresh rate limit
     * @param ticker    Caffeine's time source for cache expiry (must advance with {@code clock})
     */
    public JwksTokenVerifier(KeySource keySource, Settings settings, Executor executor, Clock clock, Ticker ticker,
                             MeterRegistry registry) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.verified = Caffeine.newBuilder()
                .maximumSize(settings.maxCachedTokens())
                .expireAfter(Expiry.<TokenDigest, Outcome>creating((hash, outcome) ->
                        outcome instanceof Accepted(TokenClaims claims) ? timeLeft(claims) : Duration.ZERO))
                .executor(Runnable::run)
                .ticker(ticker)
                .buildAsync();
        this.keyRing = new KeyRing(keySource, clock, settings.minRefreshInterval(), settings.retryAfterFailure(),
                this::keysChanged, registry);
        this.cacheHits = counter("accepted", "cache_hit");
        this.verifiedFirstTime = counter("accepted", "verified");
        Gauge.builder("iamlet.token.cache.entries", verified, c -> c.synchronous().estimatedSize())
                .description("Verified service-account tokens cached by hash").register(registry);
    }

    /**
     * Loads the keys now and keeps them fresh with {@link #maintain()} every {@code period} on {@code scheduler}.
     * The returned future completes when the first load has finished (exceptionally if it failed; maintenance goes
     * on retrying either way).
     */
    public CompletableFuture<Void> start(ScheduledExecutorService scheduler, Duration period) {
        maintenance = scheduler.scheduleWithFixedDelay(this::maintain, period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
        return keyRing.refresh("initial").orElseGet(() -> CompletableFuture.completedFuture(null))
                .thenApply(keys -> null);
    }

    /** Loads keys when none are loaded yet or they are older than {@code keysMaxAge}, within the rate limit. */
    public void maintain() {
        try {
            if (keyRing.current() == null) {
                keyRing.refresh("initial");
            } else if (keyRing.olderThan(settings.keysMaxAge())) {
                keyRing.refresh("periodic");
            }
        } catch (RuntimeException e) {
            log.warn("token key maintenance failed: {}", e.toString());
        }
    }

    @Override
    public boolean ready() {
        KeyRing.Keys keys = keyRing.current();
        return keys != null && (settings.issuerOverride() != null || keys.issuer() != null);
    }

    @Override
    public CompletableFuture<TokenClaims> verify(String rawToken) {
        try {
            ProjectedTokens.requireSize(rawToken);
        } catch (Failure f) {
            return counted(CompletableFuture.failedFuture(f));
        }
        TokenDigest hash = TokenDigest.of(rawToken);
        CompletableFuture<Outcome> cached = verified.getIfPresent(hash);
        if (cached != null && cached.getNow(null) instanceof Accepted(TokenClaims claims)) {
            if (!clock.instant().isAfter(claims.expiresAt())) {
                cacheHits.increment();
                return CompletableFuture.completedFuture(claims);
            }
            verified.synchronous().invalidate(hash);
        }
        CompletableFuture<Outcome> pending = verified.get(hash, (h, e) -> verifyFirstTime(rawToken));
        // a dependent future: the shared cached one stays out of the callers' reach
        return counted(pending.thenApply(JwksTokenVerifier::claimsOf));
    }

    private static TokenClaims claimsOf(Outcome outcome) {
        return switch (outcome) {
            case Accepted(TokenClaims claims) -> claims;
            case Rejected(Throwable error) -> throw error instanceof CompletionException ce
                    ? ce : new CompletionException(error);
        };
    }

    /** Never completes exceptionally: a failure is a {@link Rejected} value. */
    private CompletableFuture<Outcome> verifyFirstTime(String rawToken) {
        return Offload.supply(() -> ProjectedTokens.parse(rawToken), executor, BUSY)
                .thenCompose(this::verifyWithKeys)
                .handle((claims, error) -> error == null ? new Accepted(claims) : new Rejected(unwrap(error)));
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private CompletableFuture<TokenClaims> verifyWithKeys(ProjectedTokens.Parsed token) {
        KeyRing.Keys keys = keyRing.current();
        if (keys == null) {
            return keyRing.refresh("initial")
                    .map(load -> load.thenCompose(k -> Offload.supply(() -> check(token, k), executor, BUSY)))
                    .orElseGet(() -> CompletableFuture.failedFuture(new Failure.Unavailable("jwks_unavailable",
                            "the cluster's token signing keys are not available")));
        }
        if (keys.candidates(token.algorithm(), token.keyId()).isEmpty()) {
            return keyRing.refresh("unknown_key")
                    .map(load -> load.thenCompose(k -> Offload.supply(() -> check(token, k), executor, BUSY)))
                    .orElseGet(() -> CompletableFuture.failedFuture(unknownKey()));
        }
        try {
            return CompletableFuture.completedFuture(check(token, keys));
        } catch (Failure f) {
            return CompletableFuture.failedFuture(f);
        }
    }

    private TokenClaims check(ProjectedTokens.Parsed token, KeyRing.Keys keys) {
        List<KeyRing.Key> candidates = keys.candidates(token.algorithm(), token.keyId());
        if (candidates.isEmpty()) {
            throw unknownKey();
        }
        if (!signedByAnyOf(token, candidates)) {
            throw new Failure.Unauthenticated("bad_signature", "the token's signature is not valid");
        }
        String issuer = settings.issuerOverride() != null ? settings.issuerOverride() : keys.issuer();
        if (issuer == null) {
            throw new Failure.Unavailable("issuer_unknown", "the cluster's token issuer is not known");
        }
        return ProjectedTokens.check(token.claims(), issuer, settings.audience(), clock.instant(),
                settings.clockSkew());
    }

    private static boolean signedByAnyOf(ProjectedTokens.Parsed token, List<KeyRing.Key> candidates) {
        for (KeyRing.Key key : candidates) {
            try {
                if (token.jwt().verify(key.verifier())) {
                    return true;
                }
            } catch (JOSEException | RuntimeException e) {
                // a key that cannot check this signature is simply not the signer
            }
        }
        return false;
    }

    private static Failure unknownKey() {
        return new Failure.Unauthenticated("unknown_key", "the token was signed by a key this cluster does not publish");
    }

    private void keysChanged(KeyRing.Keys before, KeyRing.Keys after) {
        if (before != null && (!after.thumbprints().containsAll(before.thumbprints())
                || !Objects.equals(before.issuer(), after.issuer()))) {
            log.info("signing keys were removed or the issuer changed: discarding cached token verifications");
            verified.synchronous().invalidateAll();
        }
    }

    private Duration timeLeft(TokenClaims claims) {
        Duration left = Duration.between(clock.instant(), claims.expiresAt());
        return left.isNegative() ? Duration.ZERO : left;
    }

    private CompletableFuture<TokenClaims> counted(CompletableFuture<TokenClaims> result) {
        return result.whenComplete((claims, error) -> {
            if (error == null) {
                verifiedFirstTime.increment();
                return;
            }
            Failure f = Failure.find(error).orElse(null);
            if (f == null) {
                log.error("token verification failed unexpectedly", error);
                increment("error", "internal");
            } else {
                log.debug("token rejected: {}", f.reason());
                increment(f.transientFailure() ? "unavailable" : "rejected", f.reason());
            }
        });
    }

    private void increment(String outcome, String reason) {
        counter(outcome, reason).increment();
    }

    private Counter counter(String outcome, String reason) {
        return Counter.builder(METRIC)
                .description("Service-account token verifications by outcome and reason")
                .tag("outcome", outcome).tag("reason", reason)
                .register(registry);
    }

    @Override
    public void close() {
        ScheduledFuture<?> m = maintenance;
        if (m != null) {
            m.cancel(false);
        }
    }
}
