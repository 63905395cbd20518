package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** The pipeline and dispatcher without sockets: routing, failure rendering, keep-alive, ordering, leaks. */
class DispatcherTest {

    private static final String GET_OK = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";

    private static Routes okRoutes() {
        return Routes.builder()
                .get("/ok", "ok", r -> CompletableFuture.completedFuture(Response.text(200, "fine")))
                .build();
    }

    private static Routes failing(Handler handler) {
        return Routes.builder().get("/fail", "fail", handler).build();
    }

    @Test
    void answersRoutedRequestAndKeepsTheConnectionOpen() throws Exception {
        var h = new PipelineHarness(okRoutes());
        h.send(GET_OK);
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("fine");
        assertThat(reply.header("Content-Length")).isEqualTo("4");
        assertThat(reply.header("Content-Type")).isEqualTo("text/plain");
        assertThat(reply.header("Date")).isEqualTo("Sat, 01 Mar 2025 12:00:00 GMT");
        assertThat(reply.header("Connection")).isNull();
        assertThat(reply.header("Server")).isNull();
        assertThat(h.channel.isOpen()).isTrue();
        assertThat(h.inputsReleased()).isTrue();
        assertFalse(h.finish());
    }

    @Test
    void writesTheResponseAsNettysEncoderDidByteForByte() throws Exception {
        var h = new PipelineHarness(okRoutes());
        h.send(GET_OK);

        assertThat(h.wire()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n"
                + "date: Sat, 01 Mar 2025 12:00:00 GMT\r\n\r\nfine");
        assertFalse(h.finish());
    }

    @Test
    void anHttp10ClientThatAskedForKeepAliveIsToldSoWithTheServerHeader() throws Exception {
        var h = new PipelineHarness(okRoutes(), ServerLimits.DEFAULTS, "EC2ws", PipelineHarness.DEFAULT_PEER);
        h.send("GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");

        assertThat(h.wire()).isEqualTo("HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n"
                + "date: Sat, 01 Mar 2025 12:00:00 GMT\r\nserver: EC2ws\r\nconnection: keep-alive\r\n\r\nfine");
        assertThat(h.channel.isOpen()).isTrue();
        assertFalse(h.finish());
    }

    @Test
    void aHeadRequestGetsTheHeadersWithoutTheBodyAndTheConnectionGoesOn() throws Exception {
        var h = new PipelineHarness(okRoutes());
        h.send("HEAD /ok HTTP/1.1\r\nHost: x\r\n\r\n" + GET_OK);

        String wire = h.wire();
        String head = wire.substring(0, wire.indexOf("\r\n\r\n") + 4);
        assertThat(head).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("content-length: ");
        assertThat(wire.substring(head.length())).as("what follows the HEAD answer's headers")
                .startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nfine");
        assertThat(h.channel.isOpen()).isTrue();
        assertFalse(h.finish());
    }

    @Test
    void unknownPathIs404WithJsonBody() throws Exception {
        var h = new PipelineHarness(okRoutes());
        h.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(404);
        assertThat(json(reply).get("code").asString()).isEqualTo("NotFound");
        assertThat(h.channel.isOpen()).isTrue();
        assertFalse(h.finish());
    }

    @Test
    void knownPathWithOtherMethodIs405WithAllow() throws Exception {
        var routes = Routes.builder()
                .get("/r", "r", r -> CompletableFuture.completedFuture(Response.text(200, "")))
                .exact("PUT", "/r", "r", r -> CompletableFuture.completedFuture(Response.text(200, "")))
                .build();
        var h = new PipelineHarness(routes);
        h.send("POST /r HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.header("Allow")).isEqualTo("GET, PUT");
        assertFalse(h.finish());
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(new Failure.BadRequest("missing_token", "no token"), 400, "InvalidRequest"),
                Arguments.of(new Failure.Unauthenticated("expired", "token expired"), 401, "InvalidToken"),
                Arguments.of(new Failure.Denied("pod_mismatch", "not your pod"), 403, "AccessDenied"),
                Arguments.of(new Failure.NotFound("no_role", "no role"), 404, "NotFound"),
                Arguments.of(new Failure.NotYetKnown("unknown_ip", "pod not known yet"), 503, "ServiceUnavailable"),
                Arguments.of(new Failure.Unavailable("sts", "STS unavailable"), 503, "ServiceUnavailable"),
                Arguments.of(new Failure.BadGateway("upstream", "bad upstream", null), 502, "BadGateway"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void failureBecomesItsStatusWithBothCasings(Failure failure, int status, String code) throws Exception {
        // as the future's failure, wrapped the way thenApply chains wrap it, and thrown by the handler itself
        for (Handler handler : new Handler[]{
                r -> CompletableFuture.failedFuture(failure),
                r -> CompletableFuture.failedFuture(new CompletionException(failure)),
                r -> { throw failure; }}) {
            var h = new PipelineHarness(failing(handler));
            h.send("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
            var reply = h.reply();
            assertThat(reply.status()).isEqualTo(status);
            assertThat(reply.header("Content-Type")).isEqualTo("application/json");
            JsonNode body = json(reply);
            assertThat(body.get("code").asString()).isEqualTo(code);
            assertThat(body.get("Code").asString()).isEqualTo(code);
            assertThat(body.get("message").asString()).isEqualTo(failure.getMessage());
            assertThat(body.get("Message").asString()).isEqualTo(failure.getMessage());
            assertThat(h.channel.isOpen()).isTrue();
            assertFalse(h.finish());
        }
    }

    @Test
    void unexpectedExceptionIs500WithoutItsMessageAndItsLogLineHidesTheToken() throws Exception {
        String secret = "eyJhbGciOiJSUzI1NiJ9.secret-token";
        var log = new ListAppender<ILoggingEvent>();
        log.start();
        var logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Responses.class);
        logger.addAppender(log);
        try {
            answers500WithoutTheSecret(secret);
        } finally {
            logger.detachAppender(log);
        }
        var traces = log.list.stream().map(e -> ThrowableProxyUtil.asString(e.getThrowableProxy())).toList();
        assertThat(traces).hasSize(3).noneMatch(t -> t.contains("secret-token"));
        assertThat(traces).filteredOn(t -> t.contains("[redacted]")).hasSize(2);
    }

    private static void answers500WithoutTheSecret(String secret) throws Exception {
        for (Handler handler : new Handler[]{
                r -> CompletableFuture.failedFuture(new IllegalStateException("boom " + secret)),
                r -> { throw new IllegalArgumentException(secret); },
                r -> null}) {
            var h = new PipelineHarness(failing(handler));
            h.send("GET /fail HTTP/1.1\r\nHost: x\r\nAuthorization: " + secret + "\r\n\r\n");
            var reply = h.reply();
            assertThat(reply.status()).isEqualTo(500);
            assertThat(json(reply).get("Code").asString()).isEqualTo("InternalError");
            assertThat(reply.body()).doesNotContain("secret").doesNotContain("boom");
            assertFalse(h.finish());
        }
    }

    @Test
    void responseHeaderThatCannotBeSentBecomes500() throws Exception {
        var h = new PipelineHarness(failing(r -> CompletableFuture.completedFuture(
                Response.text(200, "x").withHeader("X-Bad", "a\r\nSet-Cookie: injected"))));
        h.send("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.header("Set-Cookie")).isNull();
        assertFalse(h.finish());
    }

    @Test
    void handlerSeesDetachedRequestWithNormalisedSourceIp() throws Exception {
        var seen = new AtomicReference<Request>();
        var routes = Routes.builder().prefix("GET", "/p/", "p", r -> {
            seen.set(r);
            return CompletableFuture.completedFuture(Response.text(200, ""));
        }).build();
        var mapped = new InetSocketAddress(InetAddress.ofLiteral("::ffff:10.1.2.3"), 5000);
        var h = new PipelineHarness(routes, ServerLimits.DEFAULTS, null, mapped);
        h.send("GET /p/role?x=1 HTTP/1.1\r\nHost: x\r\nX-Aws-Ec2-Metadata-Token: t\r\n\r\n");
        assertThat(h.reply().status()).isEqualTo(200);
        assertThat(seen.get().sourceIp()).isEqualTo("10.1.2.3");
        assertThat(seen.get().path()).isEqualTo("/p/role");
        assertThat(seen.get().query()).isEqualTo("x=1");
        assertThat(seen.get().header("x-aws-ec2-metadata-token")).isEqualTo("t");
        assertFalse(h.finish());

        var v6 = new InetSocketAddress(InetAddress.ofLiteral("fd00:0:0:0:0:0:0:1"), 5000);
        var h6 = new PipelineHarness(routes, ServerLimits.DEFAULTS, null, v6);
        h6.send("GET /p/ HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(h6.reply().status()).isEqualTo(200);
        assertThat(seen.get().sourceIp()).isEqualTo(PodIndex.normalise("fd00::1"));
        assertFalse(h6.finish());
    }

    @Test
    void serverHeaderIsSentWhenConfigured() throws Exception {
        var h = new PipelineHarness(okRoutes(), ServerLimits.DEFAULTS, "EC2ws", PipelineHarness.DEFAULT_PEER);
        h.send(GET_OK);
        h.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(h.replies()).extracting(r -> r.header("Server")).containsExactly("EC2ws", "EC2ws");
        assertFalse(h.finish());
    }

    @Test
    void repeatedAuthorizationHeaderIsRefused() throws Exception {
        var h = new PipelineHarness(okRoutes());
        h.send("GET /ok HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n");
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).doesNotContain("a\"").contains("authorization");
        assertThat(h.channel.isOpen()).isFalse();
        assertFalse(h.finish());
    }

    @Test
    void requestsAreCountedAndTimedByEndpointAndStatus() throws Exception {
        var h = new PipelineHarness(okRoutes());
        h.send(GET_OK);
        h.send(GET_OK);
        h.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(h.replies()).hasSize(3);
        var counter = h.registry.get("iamlet.requests")
                .tags("endpoint", "ok", "status", "200", "outcome", "success").counter();
        assertThat(counter.count()).isEqualTo(2.0);
        assertThat(h.registry.get("iamlet.requests").tags("endpoint", "unmatched", "status", "404",
                "outcome", "client_error").counter().count()).isEqualTo(1.0);
        assertThat(h.registry.get("iamlet.request").tags("endpoint", "ok").timer().count()).isEqualTo(2);
        assertFalse(h.finish());
    }

    private static JsonNode json(PipelineHarness.Reply reply) {
        return ErrorJson.MAPPER.readTree(reply.body());
    }
}
