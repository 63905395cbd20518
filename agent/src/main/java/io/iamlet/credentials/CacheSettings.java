package io.iamlet.credentials;

import java.time.Duration;

/**
 * How the {@link CredentialCache} renews and bounds itself.
 *
 * @param refreshFraction       renew at this fraction of the lifetime ({@code --refresh-fraction}, default 0.8) ...
 * @param minRemaining          ... or this long before expiry, whichever is earlier ({@code --refresh-min-remaining},
 *                              30m); renewals of many identities spread over the 20 % of that delay before it
 * @param maxIdentities         entries at most ({@code --cache-max-identities}, 10000)
 * @param idleTimeout           stop renewing an entry not served for this long (or twice its lifetime, if longer)
 * @param expiryMargin          treat credentials as expired this long before they are (clock skew, request latency)
 * @param retryInitial          first retry delay after a failed renewal, doubling per failure ...
 * @param retryMax              ... up to this
 * @param failedLoadUnavailable a load that failed for a transient reason is remembered this long, jittered, and
 *                              answered without a new STS call ({@code --failed-load-ttl-unavailable}; 0: not at all)
 * @param failedLoadDenied      the same for a load STS refused ({@code --failed-load-ttl-denied})
 * @param tokenMargin           renew only with a web-identity token valid at least this much longer (STS's clock,
 *                              the call's own duration)
 */
public record CacheSettings(
        double refreshFraction,
        Duration minRemaining,
        long maxIdentities,
        Duration idleTimeout,
        Duration expiryMargin,
        Duration retryInitial,
        Duration retryMax,
        Duration failedLoadUnavailable,
        Duration failedLoadDenied,
        Duration tokenMargin) {

    public CacheSettings {
        if (!(refreshFraction > 0 && refreshFraction <= 1)) {
            throw new IllegalArgumentException("--refresh-fraction must be in (0,1], was " + refreshFraction);
        }
        requireNotNegative(minRemaining, "--refresh-min-remaining");
        if (maxIdentities < 1) {
            throw new IllegalArgumentException("--cache-max-identities must be positive, was " + maxIdentities);
        }
        requirePositive(idleTimeout, "idleTimeout");
        requireNotNegative(expiryMargin, "expiryMargin");
        requirePositive(retryInitial, "retryInitial");
        requirePositive(retryMax, "retryMax");
        if (retryMax.compareTo(retryInitial) < 0) {
            throw new IllegalArgumentException("retryMax must not be below retryInitial");
        }
        requireNotNegative(failedLoadUnavailable, "--failed-load-ttl-unavailable");
        requireNotNegative(failedLoadDenied, "--failed-load-ttl-denied");
        requireNotNegative(tokenMargin, "tokenMargin");
    }

    /**
     * 0.8, 30 min, 10000 identities, 3 h idle, 1 min margin, retries from 2 s up to 2 min, failed loads not
     * remembered (see {@link #withFailedLoads}), tokens used for renewal while they have a minute left.
     */
    public static CacheSettings defaults() {
        return new CacheSettings(0.8, Duration.ofMinutes(30), 10_000, Duration.ofHours(3), Duration.ofMinutes(1),
                Duration.ofSeconds(2), Duration.ofMinutes(2), Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1));
    }

    /** The flags' part: {@code --refresh-fraction}, {@code --refresh-min-remaining}, {@code --cache-max-identities}. */
    public static CacheSettings of(double refreshFraction, Duration minRemaining, long maxIdentities) {
        CacheSettings d = defaults();
        return new CacheSettings(refreshFraction, minRemaining, maxIdentities, d.idleTimeout(), d.expiryMargin(),
                d.retryInitial(), d.retryMax(), d.failedLoadUnavailable(), d.failedLoadDenied(), d.tokenMargin());
    }

    /** {@code --failed-load-ttl-unavailable} and {@code --failed-load-ttl-denied}. */
    public CacheSettings withFailedLoads(Duration unavailable, Duration denied) {
        return new CacheSettings(refreshFraction, minRemaining, maxIdentities, idleTimeout, expiryMargin,
                retryInitial, retryMax, unavailable, denied, tokenMargin);
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    private static void requireNotNegative(Duration d, String name) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
    }
}
