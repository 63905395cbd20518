package io.iamlet.credentials;

import java.time.Duration;
import java.time.Instant;

/** When to renew credentials and how long to wait after a failed renewal. Pure functions of their inputs. */
final class Renewal {

    /** Never schedule sooner than this, whatever STS returned (guards against a renewal loop). */
    static final Duration FLOOR = Duration.ofSeconds(1);

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
