package io.iamlet.credentials.sts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {

    private final RetryPolicy fullBound = new RetryPolicy(bound -> bound);

    @ParameterizedTest(name = "HTTP {0} {1}: retry {2}")
    @CsvSource({
        "500, InternalFailure, true", "502, , true", "503, ServiceUnavailable, true", "504, , true",
        "400, Throttling, true", "400, ThrottlingException, true", "400, RequestLimitExceeded, true",
        "429, , true", "400, RequestTimeout, true", "400, PriorRequestNotComplete, true",
        "403, AccessDenied, false", "400, InvalidIdentityToken, false", "400, ExpiredTokenException, false",
        "403, RegionDisabledException, false", "400, IDPCommunicationError, false", "404, , false",
        "403, SignatureDoesNotMatch, false", "400, ValidationError, false",
    })
    void retriesTheSdkStandardStrategysStatusesAndCodes(int status, String code, boolean retried) {
        assertThat(RetryPolicy.retryable(new StsServiceException(status, code, "m", "r"))).isEqualTo(retried);
    }

    @Test
    void retriesIoFailuresAndAttemptTimeoutsButNotTheWholeCallsTimeout() {
        assertThat(RetryPolicy.retryable(new StsTransportException("x", new IOException("reset")))).isTrue();
        assertThat(RetryPolicy.retryable(new StsTimeoutException(false, Duration.ofSeconds(5)))).isTrue();
        assertThat(RetryPolicy.retryable(new StsTimeoutException(true, Duration.ofSeconds(12)))).isFalse();
        assertThat(RetryPolicy.retryable(new StsTransportException("no keys"))).isFalse();
    }

    @Test
    void backsOffExponentiallyFromOneHundredMillisAndFromOneSecondAfterThrottling() {
        var error = new StsServiceException(500, "InternalFailure", "m", "r");
        var throttled = new StsServiceException(400, "Throttling", "m", "r");

        assertThat(fullBound.delayBefore(2, error)).isEqualTo(Duration.ofMillis(100));
        assertThat(fullBound.delayBefore(3, error)).isEqualTo(Duration.ofMillis(200));
        assertThat(fullBound.delayBefore(2, throttled)).isEqualTo(Duration.ofSeconds(1));
        assertThat(fullBound.delayBefore(3, throttled)).isEqualTo(Duration.ofSeconds(2));
        assertThat(fullBound.delayBefore(10, throttled)).isEqualTo(Duration.ofSeconds(20));
    }
}
