package io.iamlet.health;

import io.iamlet.server.Handler;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /healthz}: the process is alive. The answer is made on the event loop that received the request, so
 * a response at all proves that loop turns; with a {@link Heartbeat}, it also proves the agent's scheduler still
 * runs tasks. Liveness deliberately ignores readiness (API server or STS down): restarting would not help there and
 * would drop the credential cache.
 */
public final class LivenessHandler implements Handler {

    private final Heartbeat heartbeat;

    /** Alive whenever it answers. */
    public LivenessHandler() {
        this(null);
    }

    /** Alive when it answers and {@code heartbeat} (may be null) has beaten recently. */
    public LivenessHandler(Heartbeat heartbeat) {
        this.heartbeat = heartbeat;
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        Response response;
        if (heartbeat == null || heartbeat.alive()) {
            response = Response.text(200, "ok\n");
        } else {
            response = Response.text(503, "scheduler stalled: no heartbeat for " + heartbeat.silence().toSeconds()
                    + "s\n");
        }
        return CompletableFuture.completedFuture(response.withHeader("Cache-Control", "no-store"));
    }
}
