package io.iamlet.server;

import java.util.concurrent.CompletableFuture;

/**
 * Answers one route. Called on the event loop: it must not block. It returns a future that completes (on any
 * thread) with the response, or exceptionally with a {@link io.iamlet.failure.Failure} that the server renders.
 */
@FunctionalInterface
public interface Handler {
    CompletableFuture<Response> handle(Request request);
}
