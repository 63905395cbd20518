package io.iamlet.podidentity;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.credentials.Credentials;
import io.iamlet.failure.Failure;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContainerCredentialsHandlerTest {

    private static final Credentials CREDS = new Credentials("ASIAEXAMPLE", "secret", "session",
            Instant.parse("2025-03-01T13:00:00Z"), "123456789012", "req", Instant.parse("2025-03-01T12:00:00Z"));

    private final AtomicInteger calls = new AtomicInteger();
    private String seenIp;
    private String seenToken;
    private final ContainerCredentialsHandler handler = new ContainerCredentialsHandler((ip, token) -> {
        calls.incrementAndGet();
        seenIp = ip;
        seenToken = token;
        return CompletableFuture.completedFuture(CREDS);
    });

    private static Request request(String authorization) {
        Map<String, String> headers = new HashMap<>();
        headers.put("host", "169.254.170.23");
        if (authorization != null) {
            headers.put("authorization", authorization);
        }
        return new Request("GET", "/v1/credentials", "", headers, "10.0.0.7", new byte[0]);
    }

    @Test
    void passesSourceIpAndRawTokenAndRendersCredentialsUncached() {
        Response response = handler.handle(request("eyJ.token.sig")).join();
        assertThat(seenIp).isEqualTo("10.0.0.7");
        assertThat(seenToken).isEqualTo("eyJ.token.sig");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo("application/json");
        assertThat(response.headers()).containsEntry("Cache-Control", "no-store");
        assertThat(new String(response.body(), StandardCharsets.UTF_8))
                .contains("\"AccessKeyId\":\"ASIAEXAMPLE\"", "\"Expiration\":\"2025-03-01T13:00:00Z\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void missingOrEmptyTokenIsABadRequestWithoutAskingTheService(String token) {
        for (String t : new String[]{null, token}) {
            Throwable error = failureOf(handler.handle(request(t)));
            assertThat(error).isInstanceOf(Failure.BadRequest.class);
            assertThat(((Failure) error).reason()).isEqualTo("missing_token");
        }
        assertThat(calls).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc\r\ndef", "abc\ndef", "abc\u0000", "tok\u00e9n", "abc\u007f", "abc\tdef", "\u00ff",
            "tok\u0100n", "tok\u20acn", "tok\ud83d\ude00n", "tok\ud800n", "?\u0141?"})
    void tokenWithControlOrNonAsciiCharactersIsRefusedWithoutEchoingIt(String token) {
        Throwable error = failureOf(handler.handle(request(token)));
        assertThat(error).isInstanceOf(Failure.BadRequest.class);
        assertThat(error.getMessage()).doesNotContain(token).doesNotContain("abc");
        assertThat(calls).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "a?b", "?", " ~!", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})
    void tokenOfPrintableAsciiIsPassedOn(String token) {
        assertThat(handler.handle(request(token)).join().status()).isEqualTo(200);
        assertThat(calls).hasValue(1);
    }

    @Test
    void oversizedTokenIsRefused() {
        Throwable error = failureOf(handler.handle(request("a".repeat(ContainerCredentialsHandler.MAX_TOKEN_LENGTH + 1))));
        assertThat(error).isInstanceOf(Failure.BadRequest.class);
        assertThat(calls).hasValue(0);
        assertThat(handler.handle(request("a".repeat(ContainerCredentialsHandler.MAX_TOKEN_LENGTH))).join().status())
                .isEqualTo(200);
    }

    @Test
    void serviceThatThrowsInsteadOfFailingStillYieldsAFailedFuture() {
        var throwing = new ContainerCredentialsHandler((ip, token) -> {
            throw new Failure.Denied("pod_mismatch", "token is not for this pod");
        });
        assertThat(failureOf(throwing.handle(request("t")))).isInstanceOf(Failure.Denied.class);
        var nothing = new ContainerCredentialsHandler((ip, token) -> CompletableFuture.completedFuture(null));
        assertThat(failureOf(nothing.handle(request("t")))).isInstanceOf(NullPointerException.class);
    }

    private static Throwable failureOf(CompletableFuture<Response> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
            throw new AssertionError("not failed");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
