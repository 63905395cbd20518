package io.iamlet.pods;

import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WaitersTest {

    private static final Duration BOUND = Duration.ofSeconds(2);
    private static final PodInfo WEB = new PodInfo("ns", "web", "u-1", "sa", List.of("10.0.0.7"), Map.of(),
            Instant.EPOCH, false);

    private final ManualTime scheduler = new ManualTime();
    private final Waiters waiters = new Waiters(scheduler);

    private CompletableFuture<PodInfo> register(String ip) {
        return waiters.register(ip, BOUND, () -> new Failure.NotYetKnown("pod_unknown", "not yet"));
    }

    @Test
    void completesEveryWaiterOfIpAndCancelsTheirTimers() {
        CompletableFuture<PodInfo> first = register("10.0.0.7");
        CompletableFuture<PodInfo> second = register("10.0.0.7");
        CompletableFuture<PodInfo> other = register("10.0.0.8");

        waiters.complete("10.0.0.7", WEB);

        assertThat(first).isCompletedWithValue(WEB);
        assertThat(second).isCompletedWithValue(WEB);
        assertThat(other).isNotDone();
        assertThat(waiters.pending()).isOne();
        assertThat(scheduler.pending()).isOne();
    }

    @Test
    void failsWithNotYetKnownOnceBoundPassesAndForgetsWaiter() {
        CompletableFuture<PodInfo> waiter = register("10.0.0.7");

        scheduler.advance(BOUND.minusMillis(1));
        assertThat(waiter).isNotDone();

        scheduler.advance(Duration.ofMillis(1));
        assertThat(waiter).isCompletedExceptionally();
        assertThat(waiter.exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(waiters.pending()).isZero();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void cancelledWaiterLeavesNothingBehind() {
        CompletableFuture<PodInfo> waiter = register("10.0.0.7");

        waiter.cancel(false);

        assertThat(waiters.pending()).isZero();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void completionAfterTimeoutIsHarmless() {
        CompletableFuture<PodInfo> waiter = register("10.0.0.7");
        scheduler.advance(BOUND);

        waiters.complete("10.0.0.7", WEB);

        assertThat(waiter.exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(waiters.pending()).isZero();
    }

    @Test
    void failAllFailsEveryWaiter() {
        CompletableFuture<PodInfo> a = register("10.0.0.7");
        CompletableFuture<PodInfo> b = register("fd00::7");

        waiters.failAll(() -> new Failure.NotYetKnown("shutting_down", "bye"));

        assertThat(a.exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(b.exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(waiters.pending()).isZero();
        assertThat(scheduler.pending()).isZero();
    }
}
