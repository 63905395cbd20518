package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import java.time.Duration;

/**
 * Negative caching: how long the {@link CredentialCache} remembers a failed load and answers it again without a
 * new STS call, so that SDK retries of every pod of an identity cost at most one STS call per lifetime.
 */
final class FailedLoads {

    /** Lifetimes spread over ±20 %, so the identities failed by one outage do not all call STS again together. */
    static final double SPREAD = 0.2;

    private FailedLoads() {
    }

    /**
     * How long {@code failure} is remembered: {@code failedLoadDenied} for a denial, {@code failedLoadUnavailable}
     * otherwise, scaled by {@code 1 ± SPREAD} ({@code jitter} in [0,1)). Not at all for an expired token: it is the
     * one caller's token that expired, and the next caller brings another.
     */
    static Duration lifetime(Failure failure, CacheSettings settings, double jitter) {
        if (StsErrors.TOKEN_EXPIRED.equals(failure.reason())) {
            return Duration.ZERO;
        }
        Duration base = failure instanceof Failure.Denied
                ? settings.failedLoadDenied() : settings.failedLoadUnavailable();
        double scale = 1 - SPREAD + 2 * SPREAD * Math.min(Math.max(jitter, 0.0), 1.0);
        return Duration.ofNanos((long) (base.toNanos() * scale));
    }

    /** The {@code outcome} tag of a remembered failure: {@code denied} or {@code unavailable}. */
    static String outcome(Failure failure) {
        return failure instanceof Failure.Denied ? "denied" : "unavailable";
    }
}
