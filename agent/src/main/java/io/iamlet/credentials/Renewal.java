package io.iamlet.credentials;

import java.time.Duration;
import java.time.Instant;

/**
 * When to renew credentials, how long to wait after a failed renewal, and with which token. Pure functions of
 * their inputs.
 */
final class Renewal {

    /** Never schedule sooner than this, whatever STS returned (guards against a renewal loop). */
    static final Duration FLOOR = Duration.ofSeconds(1);

    /** Renewals spread over this fraction of their delay, before the time {@link #delay} gives. */
    static final double SPREAD = 0.2;

    private Renewal() {
    }

    /**
     * Delay from {@code now} until renewal: at the earlier of {@code fraction} of the lifetime and
     * {@code minRemaining} before expiry, so callers always get at least {@code minRemaining} while STS is healthy.
     * For lifetimes too short for that (under about twice {@code minRemaining}) renewal waits at least half the
     * lifetime (or the fraction, if smaller) rather than churning STS.
     */
    static Duration delay(Credentials credentials, Instant now, double fraction, Duration minRemaining) {
        Duration lifetime = Duration.between(credentials.issuedAt(), credentials.expiration());
        if (lifetime.isNegative() || lifetime.isZero()) {
            return FLOOR;
        }
        Duration byFraction = Duration.ofNanos((long) (lifetime.toNanos() * fraction));
        Duration byRemaining = lifetime.minus(minRemaining);
        Duration earliest = min(byFraction, lifetime.dividedBy(2));
        Duration afterIssue = max(min(byFraction, byRemaining), earliest);
        Duration fromNow = Duration.between(now, credentials.issuedAt().plus(afterIssue));
        return max(fromNow, FLOOR);
    }

    /**
     * {@code delay} brought forward by up to {@link #SPREAD} of itself ({@code jitter} in [0,1): 0 keeps it), so
     * identities installed in the same second (a node's pods at start) renew over a window, not in one burst.
     * Only forward: the renewal never comes later than {@link #delay}, which keeps {@code minRemaining}.
     */
    static Duration jittered(Duration delay, double jitter) {
        double scale = 1 - SPREAD * Math.min(Math.max(jitter, 0.0), 1.0);
        return max(Duration.ofNanos((long) (delay.toNanos() * scale)), FLOOR);
    }

    /**
     * Whether renewal may use this identity: it has no token (assume-role), or a token whose expiry is unknown or
     * at least {@code margin} after {@code now}. A dead token would only get ExpiredTokenException from STS.
     */
    static boolean usable(Identity identity, Instant now, Duration margin) {
        if (identity.token() == null) {
            return true;
        }
        return identity.token().expiry().map(exp -> exp.isAfter(now.plus(margin))).orElse(true);
    }

    /**
     * Retry delay after the {@code attempt}-th consecutive failure (1-based): {@code initial * 2^(attempt-1)},
     * capped at {@code max}, then scaled by a jitter in [0.5, 1.0) so renewals of many identities spread out.
     */
    static Duration backoff(int attempt, Duration initial, Duration max, double jitter) {
        int doublings = Math.min(Math.max(attempt - 1, 0), 30);
        Duration base = initial.multipliedBy(1L << doublings);
        if (base.compareTo(max) > 0 || base.isNegative()) {
            base = max;
        }
        double scale = 0.5 + 0.5 * Math.min(Math.max(jitter, 0.0), 1.0);
        return max(Duration.ofNanos((long) (base.toNanos() * scale)), FLOOR);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
