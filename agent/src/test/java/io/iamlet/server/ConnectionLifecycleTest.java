package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A connection's life on the fake clock: keep-alive, pipelining order, read and handler timeouts, draining. */
class ConnectionLifecycleTest {

    private static Routes okRoutes() {
        return Routes.builder()
                .get("/ok", "ok", r -> CompletableFuture.completedFuture(Response.text(200, "fine")))
                .build();
    }

    private static Routes failing(Handler handler) {
        return Routes.builder().get("/fail", "fail", handler).build();
    }

    private static tools.jackson.databind.JsonNode json(PipelineHarness.Reply reply) {
        return ErrorJson.MAPPER.readTree(reply.body());
    }

    @Test
    void connectionCloseAndHttp10AreHonoured() throws Exception {
        var h = new PipelineHarness(okRoutes());
        h.send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(h.reply().header("Connection")).isEqualTo("close");
        assertThat(h.channel.isOpen()).isFalse();
        assertFalse(h.finish());

        var h10 = new PipelineHarness(okRoutes());
        h10.send("GET /ok HTTP/1.0\r\n\r\n");
        assertThat(h10.reply().header("Connection")).isEqualTo("close");
        assertThat(h10.channel.isOpen()).isFalse();
        assertFalse(h10.finish());

        var h10ka = new PipelineHarness(okRoutes());
        h10ka.send("GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertThat(h10ka.reply().header("Connection")).isEqualToIgnoringCase("keep-alive");
        assertThat(h10ka.channel.isOpen()).isTrue();
        assertFalse(h10ka.finish());
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        var slow = new CompletableFuture<Response>();
        var routes = Routes.builder()
                .get("/slow", "slow", r -> slow)
                .get("/fast", "fast", r -> CompletableFuture.completedFuture(Response.text(200, "fast")))
                .build();
        var h = new PipelineHarness(routes);
        h.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(h.replies()).isEmpty();
        slow.complete(Response.text(200, "slow"));
        h.channel.runPendingTasks();
        assertThat(h.replies()).extracting(PipelineHarness.Reply::body).containsExactly("slow", "fast");
        assertFalse(h.finish());
    }

    @Test
    void tooManyPipelinedRequestsCloseTheConnection() throws Exception {
        var routes = Routes.builder().get("/hang", "hang", r -> new CompletableFuture<>()).build();
        var h = new PipelineHarness(routes);
        h.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n".repeat(ServerLimits.DEFAULTS.maxPipelinedRequests() + 2));
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.inputsReleased()).isTrue();
        assertFalse(h.finish());
    }

    @Test
    void handlerThatDoesNotAnswerInTimeGets503AndItsLateAnswerIsDropped() throws Exception {
        var never = new CompletableFuture<Response>();
        var h = new PipelineHarness(failing(r -> never));
        h.send("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
        h.advance(ServerLimits.DEFAULTS.handlerTimeout().toMillis() - 1);
        assertThat(h.replies()).isEmpty();
        h.advance(1);
        var reply = h.reply();
        assertThat(reply.status()).isEqualTo(503);
        assertThat(json(reply).get("code").asString()).isEqualTo("ServiceUnavailable");
        never.complete(Response.text(200, "late"));
        h.channel.runPendingTasks();
        assertThat(h.replies()).isEmpty();
        assertFalse(h.finish());
    }

    @Test
    void busyConnectionIsNotClosedByTheReadTimeout() throws Exception {
        var slow = new CompletableFuture<Response>();
        var limits = ServerLimits.DEFAULTS.withReadTimeout(Duration.ofSeconds(1))
                .withHandlerTimeout(Duration.ofSeconds(5));
        var h = new PipelineHarness(failing(r -> slow), limits, null, PipelineHarness.DEFAULT_PEER);
        h.send("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
        h.advance(3000);
        assertThat(h.channel.isOpen()).isTrue();
        slow.complete(Response.text(200, "done"));
        h.channel.runPendingTasks();
        assertThat(h.reply().body()).isEqualTo("done");
        h.advance(999);
        assertThat(h.channel.isOpen()).isTrue();
        h.advance(1);
        assertThat(h.channel.isOpen()).as("idle after the answer: read timeout runs again").isFalse();
        assertFalse(h.finish());
    }

    @Test
    void keepAliveConnectionIsClosedAReadTimeoutAfterItsLastAnswerNotItsFirst() throws Exception {
        var limits = ServerLimits.DEFAULTS.withReadTimeout(Duration.ofSeconds(1));
        var h = new PipelineHarness(okRoutes(), limits, null, PipelineHarness.DEFAULT_PEER);
        h.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(h.reply().status()).isEqualTo(200);
        h.advance(600);
        h.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(h.reply().status()).isEqualTo(200);
        h.advance(999);
        assertThat(h.channel.isOpen()).as("999 ms after the second answer").isTrue();
        h.advance(1);
        assertThat(h.channel.isOpen()).as("a read timeout after the second answer").isFalse();
        assertFalse(h.finish());
    }

    @Test
    void clientTricklingAnIncompleteRequestIsClosedAtTheReadTimeout() throws Exception {
        var limits = ServerLimits.DEFAULTS.withReadTimeout(Duration.ofSeconds(1));
        var h = new PipelineHarness(okRoutes(), limits, null, PipelineHarness.DEFAULT_PEER);
        String request = "GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n";
        for (int i = 0; i < 9; i++) {
            h.send(request.substring(i * 4, i * 4 + 4));
            h.advance(100);
            assertThat(h.channel.isOpen()).isTrue();
        }
        h.send(request.substring(36));
        h.advance(100);
        assertThat(h.channel.isOpen()).as("a byte every 100 ms does not buy more than the read timeout").isFalse();
        assertThat(h.replies()).isEmpty();
        assertThat(h.inputsReleased()).isTrue();
        assertFalse(h.finish());
    }

    @Test
    void drainingClosesIdleConnectionsAndBusyOnesAfterTheirAnswer() throws Exception {
        var idle = new PipelineHarness(okRoutes());
        idle.drain();
        assertThat(idle.channel.isOpen()).isFalse();
        assertFalse(idle.finish());

        var slow = new CompletableFuture<Response>();
        var busy = new PipelineHarness(failing(r -> slow));
        busy.send("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
        busy.drain();
        assertThat(busy.channel.isOpen()).isTrue();
        slow.complete(Response.text(200, "done"));
        busy.channel.runPendingTasks();
        var reply = busy.reply();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Connection")).isEqualTo("close");
        assertThat(busy.channel.isOpen()).isFalse();
        assertFalse(busy.finish());
    }
}
