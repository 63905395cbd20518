package io.iamlet.identity;

import io.iamlet.failure.Failure;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Hands work to a bounded executor. When its queue is full the caller gets a retryable 503 ({@code overloaded}) at
 * once: it never waits for room, and the pod's SDK retries. (A {@code *Async} stage of CompletableFuture whose
 * executor refuses the task may never complete; work is therefore handed over here, where the refusal is caught.)
 */
final class Offload {

    private Offload() {
    }

    static <T> CompletableFuture<T> supply(Supplier<T> work, Executor executor, String busyWith) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(overloaded(busyWith));
        }
    }

    static Failure overloaded(String busyWith) {
        return new Failure.Unavailable("overloaded", "iamlet is busy " + busyWith + "; retry shortly");
    }
}
