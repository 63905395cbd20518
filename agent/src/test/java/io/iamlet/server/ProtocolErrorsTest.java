package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Requests that break the limits or HTTP itself: answered with a 4xx in JSON, connection closed, nothing leaked. */
class ProtocolErrorsTest {

    static Stream<Arguments> badRequests() {
        String big = "x".repeat(5000);
        return Stream.of(
                Arguments.of("request line too long", "GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                        414, "URITooLong"),
                Arguments.of("headers too large", "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(9000)
                        + "\r\n\r\n", 431, "RequestHeaderFieldsTooLarge"),
                Arguments.of("many headers too large", "GET /ok HTTP/1.1\r\nHost: x\r\n"
                        + "X-Many: 0123456789012345678901234567890123456789\r\n".repeat(200) + "\r\n",
                        431, "RequestHeaderFieldsTooLarge"),
                Arguments.of("announced body too large", "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"
                        + big, 413, "RequestEntityTooLarge"),
                Arguments.of("chunked body too large", "POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "1388\r\n" + big + "\r\n0\r\n\r\n", 413, "RequestEntityTooLarge"),
                Arguments.of("100-continue with too large a body",
                        "POST /ok HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 999999\r\n\r\n",
                        413, "RequestEntityTooLarge"),
                Arguments.of("garbage request line", "GARBAGE\r\n\r\n", 400, "InvalidRequest"),
                Arguments.of("unknown HTTP version", "GET /ok HTTP/7.1\r\nHost: x\r\n\r\n", 505,
                        "HTTPVersionNotSupported"),
                Arguments.of("space in header name", "GET /ok HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
                        400, "InvalidRequest"),
                Arguments.of("control character in a header value",
                        "GET /ok HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400, "InvalidRequest"),
                Arguments.of("NUL in the Authorization header", "GET /ok HTTP/1.1\r\nHost: x\r\nAuthorization: "
                        + "e".repeat(900) + "\u0000\r\n\r\n", 400, "InvalidRequest"),
                Arguments.of("DEL in a header value", "GET /ok HTTP/1.1\r\nHost: x\r\nX-A: \u007f\r\n\r\n",
                        400, "InvalidRequest"),
                Arguments.of("bad content length", "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                        400, "InvalidRequest"),
                Arguments.of("absolute-form target", "GET http://169.254.170.23/ok HTTP/1.1\r\nHost: x\r\n\r\n",
                        400, "InvalidRequest"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void refusedInJsonClosedAndReleased(String name, String raw, int status, String code) throws Exception {
        var calls = new AtomicInteger();
        var routes = Routes.builder()
                .exact("GET", "/ok", "ok", r -> {
                    calls.incrementAndGet();
                    return CompletableFuture.completedFuture(Response.text(200, "fine"));
                })
                .exact("POST", "/ok", "ok", r -> {
                    calls.incrementAndGet();
                    return CompletableFuture.completedFuture(Response.text(200, "fine"));
                })
                .build();
        var h = new PipelineHarness(routes);
        // a well-formed request right behind the bad one must not be served: the connection is done
        h.send(raw + "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.header("Connection")).isEqualTo("close");
        var body = ErrorJson.MAPPER.readTree(reply.body());
        assertThat(body.get("code").asString()).isEqualTo(code);
        assertThat(body.get("Code").asString()).isEqualTo(code);
        assertThat(calls).hasValue(0);
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.inputsReleased()).isTrue();
        assertThat(h.registry.get("iamlet.requests").tags("endpoint", "unmatched", "status", String.valueOf(status))
                .counter().count()).isEqualTo(1.0);
        assertFalse(h.finish());
    }

    @Test
    void headerValuesWithTabsAndLatin1AreServed() throws Exception {
        var routes = Routes.builder()
                .exact("GET", "/ok", "ok", r -> CompletableFuture.completedFuture(Response.text(200,
                        r.header("x-a").replace('\t', '_').replace('\u00e9', 'e').replace('\u00ff', 'y'))))
                .build();
        var h = new PipelineHarness(routes);
        h.send("GET /ok HTTP/1.1\r\nHost: x\r\nX-A: a\tb\u00e9\u00ff\r\n\r\n");
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("a_bey");
        assertThat(h.channel.isOpen()).isTrue();
        assertFalse(h.finish());
    }
}
