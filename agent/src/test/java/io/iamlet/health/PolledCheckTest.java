package io.iamlet.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A readiness condition established by a background probe (node credentials for assume-role). */
class PolledCheckTest {

    private final ManualTime time = new ManualTime();
    private final List<CompletableFuture<Object>> probes = new ArrayList<>();
    private final PolledCheck check = new PolledCheck(this::probe, time, Duration.ofSeconds(90));

    private CompletableFuture<Object> probe() {
        CompletableFuture<Object> probe = new CompletableFuture<>();
        probes.add(probe);
        return probe;
    }

    private CompletableFuture<Object> last() {
        return probes.getLast();
    }

    @Test
    void isNotReadyBeforeTheFirstProbeSucceeds() {
        assertThat(check.ready()).isFalse();
        assertThat(check.detail()).isEqualTo("not checked yet");

        check.poll();
        assertThat(check.ready()).isFalse();
        assertThat(check.detail()).isEqualTo("first check running");

        last().complete("caller identity");
        assertThat(check.ready()).isTrue();
        assertThat(check.detail()).isEqualTo("last success 0s ago");
    }

    @Test
    void followsTheLastProbe() {
        check.poll();
        last().complete(null);
        assertThat(check.ready()).isTrue();

        time.advance(Duration.ofSeconds(30));
        check.poll();
        last().completeExceptionally(new Failure.Unavailable("sts_node_credentials", "ExpiredToken for secret"));

        assertThat(check.ready()).isFalse();
        assertThat(check.detail()).isEqualTo("last check failed 0s ago: sts_node_credentials");

        time.advance(Duration.ofSeconds(30));
        check.poll();
        last().complete(null);
        assertThat(check.ready()).isTrue();
    }

    @Test
    void namesAFailureByItsClassNeverByItsMessage() {
        check.poll();
        last().completeExceptionally(new CompletionException(new ConnectException("AKIA... secret in message")));

        assertThat(check.detail()).isEqualTo("last check failed 0s ago: ConnectException").doesNotContain("AKIA");
    }

    @Test
    void aProbeThatThrowsCountsAsFailed() {
        PolledCheck throwing = new PolledCheck(() -> {
            throw new IllegalStateException("no region");
        }, time, Duration.ofSeconds(90));

        throwing.poll();

        assertThat(throwing.ready()).isFalse();
        assertThat(throwing.detail()).endsWith("IllegalStateException");
    }

    @Test
    void runsOneProbeAtATime() {
        check.poll();
        check.poll();
        time.advance(Duration.ofSeconds(89));
        check.poll();

        assertThat(probes).hasSize(1);
    }

    @Test
    void aHangingProbeMakesTheCheckFailAndNoLongerHoldsTheNextBack() {
        check.poll();
        last().complete(null);
        time.advance(Duration.ofSeconds(30));
        check.poll(); // never completes

        time.advance(Duration.ofSeconds(60));
        assertThat(check.ready()).isTrue();
        time.advance(Duration.ofSeconds(1));
        assertThat(check.ready()).isFalse();
        assertThat(check.detail()).isEqualTo("last success 91s ago, check overdue");

        check.poll(); // the hanging probe started 61 s ago: still given its chance
        assertThat(probes).hasSize(2);
        time.advance(Duration.ofSeconds(29));
        check.poll(); // now it has run for maxAge: a new probe starts beside it
        assertThat(probes).hasSize(3);
        last().complete(null);
        assertThat(check.ready()).isTrue();
    }
}
