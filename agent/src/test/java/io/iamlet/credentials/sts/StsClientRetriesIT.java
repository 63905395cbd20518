package io.iamlet.credentials.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsFault;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which STS answers our client retries, against the STS stand-in; backoff waits are zero here. */
class StsClientRetriesIT {

    private static final FakeSts sts = FakeSts.start();
    private static final StsClient client = new StsClient(new StsClient.Config(sts.endpoint(), "us-east-1",
            Duration.ofSeconds(5), Duration.ofSeconds(10), 3), HttpClient.newHttpClient(), null, Clock.systemUTC(),
            new RetryPolicy(bound -> 0));

    @AfterAll
    static void close() {
        client.close();
        sts.close();
    }

    @BeforeEach
    void reset() {
        sts.reset();
    }

    private static StsRequest webIdentity() {
        return StsRequest.of("AssumeRoleWithWebIdentity").param("RoleArn", "arn:aws:iam::123456789012:role/r")
                .param("RoleSessionName", "a.b").param("WebIdentityToken", "a.web.token");
    }

    @ParameterizedTest(name = "{0}: {1} attempts")
    @CsvSource({
        "THROTTLING, 3",
        "INTERNAL_FAILURE, 3",
        "SERVICE_UNAVAILABLE, 3",
        "ACCESS_DENIED, 1",
        "INVALID_IDENTITY_TOKEN, 1",
        "EXPIRED_TOKEN, 1",
        "IDP_COMMUNICATION_ERROR, 1",
        "MALFORMED_POLICY, 1",
        "REGION_DISABLED, 1",
    })
    void retriesOnlyWhatTheSdkStandardStrategyRetries(String fault, int attempts) throws Exception {
        sts.failAll((FakeStsFault) FakeStsFault.class.getField(fault).get(null));

        assertThatThrownBy(() -> client.call(webIdentity(), StsClient.Call.DEFAULT).join())
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(StsServiceException.class);
        assertThat(sts.requestsReceived()).isEqualTo(attempts);
    }

    @ParameterizedTest(name = "{0} then success")
    @CsvSource({"THROTTLING", "SERVICE_UNAVAILABLE"})
    void aRetrySucceedsAfterATransientFailure(String fault) throws Exception {
        sts.failNext(2, (FakeStsFault) FakeStsFault.class.getField(fault).get(null));

        StsResponse response = client.call(webIdentity(), StsClient.Call.DEFAULT).join();

        assertThat(response.credentials()).isNotNull();
        assertThat(sts.requestsReceived()).isEqualTo(3);
    }

    @ParameterizedTest(name = "single budget of {0} ms: one attempt")
    @CsvSource({"1500"})
    void aSingleBudgetCallIsOneAttempt(long millis) {
        sts.failAll(FakeStsFault.SERVICE_UNAVAILABLE);

        assertThatThrownBy(() -> client.call(webIdentity(), new StsClient.Call(null, Duration.ofMillis(millis)))
                .join()).cause().isInstanceOf(StsServiceException.class);
        assertThat(sts.requestsReceived()).isEqualTo(1);
    }

    @org.junit.jupiter.api.Test
    void aTimedOutCallLeavesTheClientUsable() {
        sts.hang(true);
        assertThatThrownBy(() -> client.call(webIdentity(), new StsClient.Call(null, Duration.ofMillis(300))).join())
                .cause().isInstanceOf(StsTimeoutException.class);
        sts.hang(false);

        StsResponse response = client.call(webIdentity(), new StsClient.Call(null, Duration.ofSeconds(3))).join();

        assertThat(response.credentials()).isNotNull();
    }

    /** An answer past the 64 KiB cap is reported as what it is, not as STS being unreachable. */
    @org.junit.jupiter.api.Test
    void anOversizedAnswerIsReportedAsTooLarge() throws Exception {
        var server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        byte[] huge = new byte[StsClient.MAX_BODY + 1024];
        java.util.Arrays.fill(huge, (byte) 'x');
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, huge.length);
            try (var out = exchange.getResponseBody()) {
                out.write(huge);
            }
        });
        server.start();
        var endpoint = java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        try (var oversized = new StsClient(new StsClient.Config(endpoint, "us-east-1", Duration.ofSeconds(5),
                Duration.ofSeconds(10), 1), HttpClient.newHttpClient(), null, Clock.systemUTC(),
                new RetryPolicy(bound -> 0))) {
            assertThatThrownBy(() -> oversized.call(webIdentity(), StsClient.Call.DEFAULT).join())
                    .cause().isInstanceOf(StsTransportException.class).hasMessageContaining("larger than")
                    .hasMessageNotContaining("could not reach");
        } finally {
            server.stop(0);
        }
    }
}
