package io.iamlet.credentials.sts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * Which failures are worth another attempt, and how long to wait first: the AWS SDK's standard strategy (SDK
 * 2.57.8, {@code AwsRetryStrategy.standardRetryStrategy()}): HTTP 500/502/503/504, the throttling codes and 429, the
 * transient codes, I/O errors and attempt timeouts; exponential backoff with full jitter from 100 ms (1 s after
 * throttling), at most 20 s.
 *
 * <p>Not carried over: the SDK's retry quota (a token bucket that stops retries after many failures in a row) and
 * its clock-skew correction; a denial or a client error is never retried.
 */
final class RetryPolicy {

    /** {@code AwsErrorCode.THROTTLING_ERROR_CODES}. */
    static final Set<String> THROTTLING_CODES = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "ProvisionedThroughputExceededException", "SlowDown", "TooManyRequestsException", "RequestLimitExceeded",
            "BandwidthLimitExceeded", "RequestThrottled", "RequestThrottledException", "EC2ThrottledException",
            "TransactionInProgressException");
    /** {@code AwsErrorCode.RETRYABLE_ERROR_CODES}. */
    static final Set<String> TRANSIENT_CODES = Set.of("PriorRequestNotComplete", "RequestTimeout",
            "RequestTimeoutException", "InternalError");
    private static final Set<Integer> RETRYABLE_STATUS = Set.of(500, 502, 503, 504);
    static final Duration BASE_DELAY = Duration.ofMillis(100);
    static final Duration THROTTLED_BASE_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(20);

    private final LongUnaryOperator jitter;

    /** @param jitter given a bound in ms, a wait in {@code [0, bound]} (tests pass the identity) */
    RetryPolicy(LongUnaryOperator jitter) {
        this.jitter = jitter;
    }

    static boolean retryable(Throwable failure) {
        return switch (failure) {
            case StsServiceException e -> RETRYABLE_STATUS.contains(e.statusCode()) || e.throttling()
                    || e.errorCode() != null && TRANSIENT_CODES.contains(e.errorCode());
            case StsTimeoutException e -> !e.wholeCall();
            case StsTransportException e -> e.getCause() instanceof IOException
                    || e.getCause() instanceof UncheckedIOException;
            default -> false;
        };
    }

    /** The wait before attempt {@code next} (2 for the first retry) after {@code failure}. */
    Duration delayBefore(int next, Throwable failure) {
        Duration base = failure instanceof StsServiceException e && e.throttling() ? THROTTLED_BASE_DELAY : BASE_DELAY;
        long bound = Math.min(MAX_BACKOFF.toMillis(), base.toMillis() << Math.min(next - 2, 20));
        return Duration.ofMillis(jitter.applyAsLong(bound));
    }
}
