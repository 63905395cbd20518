package io.iamlet.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.health.ShutdownSequence.Outcome;
import io.iamlet.testing.ManualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The ordered, bounded shutdown, on fake time. */
@org.junit.jupiter.api.Timeout(30) // a broken fake clock must fail these tests, not hang the build
class ShutdownSequenceTest {

    private final ManualTime time = new ManualTime();
    private final List<String> log = new ArrayList<>();
    private final ShutdownSequence sequence = new ShutdownSequence(Duration.ofSeconds(20), time, time, Runnable::run);

    private static List<String> results(List<Outcome> outcomes) {
        return outcomes.stream().map(o -> o.step() + "=" + o.result()).toList();
    }

    @Test
    void runsStepsInOrderEachWithTheTimeLeft() {
        CompletableFuture<Void> servers = new CompletableFuture<>();
        sequence.thenRun("readiness", () -> log.add("readiness"))
                .then("servers", remaining -> {
                    log.add("servers " + remaining.toSeconds() + "s");
                    return servers;
                })
                .then("informer", remaining -> {
                    log.add("informer " + remaining.toSeconds() + "s");
                    return CompletableFuture.completedFuture(null);
                });

        CompletableFuture<List<Outcome>> done = sequence.run();
        assertThat(log).containsExactly("readiness", "servers 20s");
        assertThat(done).isNotDone();

        time.advance(Duration.ofSeconds(7));
        servers.complete(null);

        assertThat(log).containsExactly("readiness", "servers 20s", "informer 13s");
        assertThat(results(done.join())).containsExactly("readiness=done", "servers=done", "informer=done");
        assertThat(done.join().get(1).took()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void abandonsAStepAtTheDeadlineAndStillRunsTheRestWithNoTimeLeft() {
        sequence.then("servers", remaining -> new CompletableFuture<>()) // never finishes
                .then("event-loops", remaining -> {
                    log.add("event-loops " + remaining.toMillis() + "ms");
                    return CompletableFuture.completedFuture(null);
                });

        CompletableFuture<List<Outcome>> done = sequence.run();
        time.advance(Duration.ofSeconds(19));
        assertThat(done).isNotDone();
        time.advance(Duration.ofSeconds(1));

        assertThat(results(done.join())).containsExactly("servers=timed_out", "event-loops=done");
        assertThat(log).containsExactly("event-loops 0ms");
        assertThat(time.pending()).isZero();
    }

    @Test
    void goesOnAfterAStepFails() {
        sequence.thenRun("informer", () -> {
                    throw new IllegalStateException("already closed");
                })
                .then("cache", remaining -> {
                    throw new IllegalStateException("thrown, not returned");
                })
                .then("verifier", remaining -> CompletableFuture.failedFuture(new RuntimeException("async")))
                .thenRun("loops", () -> log.add("loops"));

        List<Outcome> outcomes = sequence.run().join();

        assertThat(results(outcomes)).containsExactly("informer=failed", "cache=failed", "verifier=failed",
                "loops=done");
        assertThat(log).containsExactly("loops");
    }

    @Test
    void runsOnlyOnce() {
        sequence.thenRun("count", () -> log.add("ran"));

        CompletableFuture<List<Outcome>> first = sequence.run();
        CompletableFuture<List<Outcome>> second = sequence.run();

        assertThat(second).isSameAs(first);
        assertThat(log).containsExactly("ran");
        assertThatThrownBy(() -> sequence.thenRun("late", () -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void cancelsNothingItDidNotSchedule() {
        sequence.then("quick", remaining -> CompletableFuture.completedFuture(null));

        sequence.run().join();

        assertThat(time.pending()).isZero();
    }

    @Test
    void refusesANonPositiveTimeout() {
        assertThatThrownBy(() -> new ShutdownSequence(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--shutdown-timeout");
    }
}
