package io.iamlet.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys currently trusted, and the rules for fetching them again.
 *
 * <p>Invariants: at most one load is in flight (callers share it); a new load starts only when none is in flight and
 * the previous attempt is older than {@code minInterval} (or {@code retryAfterFailure} when it failed), so tokens
 * with made-up key ids cannot make iamlet hammer the API server. A failed load keeps the previous keys. Verifiers are
 * built once per load, not per token.
 */
final class KeyRing {

    private static final Logger log = LoggerFactory.getLogger(KeyRing.class);
    private static final int MIN_RSA_BITS = 2048;

    /** One usable public key. {@code algorithm} is null when the JWK does not pin one. */
    record Key(String kid, String thumbprint, JWSAlgorithm algorithm, JWSVerifier verifier, Set<JWSAlgorithm> supports) {
        boolean fits(JWSAlgorithm alg, String wantedKid) {
            return supports.contains(alg) && (algorithm == null || algorithm.equals(alg))
                    && (wantedKid == null || wantedKid.equals(kid));
        }
    }

    /** The trusted keys of one successful load. */
    record Keys(String issuer, List<Key> keys, Instant loadedAt) {
        List<Key> candidates(JWSAlgorithm alg, String kid) {
            return keys.stream().filter(k -> k.fits(alg, kid)).toList();
        }

        Set<String> thumbprints() {
            Set<String> s = new HashSet<>();
            keys.forEach(k -> s.add(k.thumbprint()));
            return s;
        }
    }

    private final KeySource source;
    private final Clock clock;
    private final Duration minInterval;
    private final Duration retryAfterFailure;
    private final BiConsumer<Keys, Keys> onChange;
    private final MeterRegistry registry;

    private volatile Keys current;
    private CompletableFuture<Keys> inFlight; // guarded by this
    private Instant lastAttempt;              // guarded by this
    private boolean lastFailed;               // guarded by this

    KeyRing(KeySource source, Clock clock, Duration minInterval, Duration retryAfterFailure,
            BiConsumer<Keys, Keys> onChange, MeterRegistry registry) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = clock;
        this.minInterval = minInterval;
        this.retryAfterFailure = retryAfterFailure;
        this.onChange = onChange;
        this.registry = registry;
        Gauge.builder("iamlet.jwks.keys", this, r -> r.current == null ? 0 : r.current.keys().size())
                .description("Signing keys currently trusted for service-account tokens")
                .register(registry);
    }

    /** The keys of the last successful load, or null before the first one. */
    Keys current() {
        return current;
    }

    boolean olderThan(Duration age) {
        Keys k = current;
        return k == null || clock.instant().isAfter(k.loadedAt().plus(age));
    }

    /**
     * The in-flight load, or a new one if the rate limit allows it; empty when a load would exceed the limit. The
     * future fails with {@link Failure.Unavailable} when the keys cannot be fetched.
     */
    synchronized Optional<CompletableFuture<Keys>> refresh(String trigger) {
        if (inFlight != null) {
            return Optional.of(inFlight);
        }
        Instant now = clock.instant();
        if (lastAttempt != null && now.isBefore(lastAttempt.plus(lastFailed ? retryAfterFailure : minInterval))) {
            return Optional.empty();
        }
        lastAttempt = now;
        CompletableFuture<Keys> load;
        try {
            load = source.load().thenApply(this::toKeys);
        } catch (RuntimeException e) {
            load = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Keys> result = load.handle((keys, error) -> settle(trigger, keys, error));
        if (!result.isDone()) {
            inFlight = result;
        }
        return Optional.of(result);
    }

    private Keys settle(String trigger, Keys keys, Throwable error) {
        Keys previous;
        synchronized (this) {
            inFlight = null;
            lastFailed = error != null;
            previous = current;
            if (error == null) {
                current = keys;
            }
        }
        count(trigger, error == null ? "success" : "failure");
        if (error != null) {
            Throwable cause = error.getCause() != null && !(error instanceof Failure) ? error.getCause() : error;
            log.warn("could not load the service-account signing keys ({}): {}", trigger, cause.toString());
            throw new Failure.Unavailable("jwks_unavailable",
                    "the cluster's token signing keys are not available", cause);
        }
        log.info("loaded {} service-account signing key(s) ({}), issuer {}", keys.keys().size(), trigger,
                keys.issuer());
        onChange.accept(previous, keys);
        return keys;
    }

    private void count(String trigger, String result) {
        Counter.builder("iamlet.jwks.refreshes")
                .description("Loads of the cluster's service-account signing keys")
                .tag("trigger", trigger).tag("result", result)
                .register(registry).increment();
    }

    private Keys toKeys(KeyMaterial material) {
        List<Key> keys = new ArrayList<>();
        for (JWK jwk : material.keys().getKeys()) {
            if (KeyUse.ENCRYPTION.equals(jwk.getKeyUse())) {
                continue;
            }
            try {
                toKey(jwk).ifPresent(keys::add);
            } catch (JOSEException e) {
                log.warn("ignoring an unusable signing key: {}", e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalStateException("the JWKS holds no usable RSA or EC signing key");
        }
        return new Keys(material.issuer(), List.copyOf(keys), clock.instant());
    }

    private static Optional<Key> toKey(JWK jwk) throws JOSEException {
        JWSAlgorithm pinned = jwk.getAlgorithm() == null ? null : JWSAlgorithm.parse(jwk.getAlgorithm().getName());
        String thumbprint = jwk.computeThumbprint().toString();
        if (jwk instanceof RSAKey rsa) {
            if (rsa.size() < MIN_RSA_BITS) {
                log.warn("ignoring an RSA signing key shorter than {} bits", MIN_RSA_BITS);
                return Optional.empty();
            }
            var supports = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                    JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
            return Optional.of(new Key(jwk.getKeyID(), thumbprint, pinned,
                    new RSASSAVerifier(rsa.toRSAPublicKey()), supports));
        }
        if (jwk instanceof ECKey ec) {
            JWSAlgorithm alg = ec.getCurve() == null ? null : switch (ec.getCurve().getName()) {
                case "P-256" -> JWSAlgorithm.ES256;
                case "P-384" -> JWSAlgorithm.ES384;
                case "P-521" -> JWSAlgorithm.ES512;
                default -> null;
            };
            if (alg == null || !Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
                return Optional.empty();
            }
            return Optional.of(new Key(jwk.getKeyID(), thumbprint, pinned,
                    new ECDSAVerifier(ec.toECPublicKey()), Set.of(alg)));
        }
        return Optional.empty();
    }
}
