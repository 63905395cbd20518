package io.iamlet.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.server.Request;
import io.iamlet.server.Response;
import io.iamlet.testing.ManualTime;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** {@code /healthz} and the scheduler heartbeat. */
class LivenessTest {

    private final ManualTime time = new ManualTime();
    private final Heartbeat heartbeat = new Heartbeat(time, Duration.ofSeconds(60));

    static Response healthz(LivenessHandler handler) {
        return handler.handle(new Request("GET", "/healthz", "", Map.of(), "127.0.0.1", new byte[0])).join();
    }

    @Test
    void answersOkFromTheEventLoopWithoutAHeartbeat() {
        Response response = healthz(new LivenessHandler());

        assertThat(response.status()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("ok\n");
    }

    @Test
    void staysAliveWhileTheSchedulerBeats() {
        LivenessHandler handler = new LivenessHandler(heartbeat);
        for (int i = 0; i < 10; i++) {
            time.advance(Duration.ofSeconds(30));
            heartbeat.beat();
            assertThat(healthz(handler).status()).isEqualTo(200);
        }
    }

    @Test
    void failsWhenTheSchedulerStopsBeating() {
        LivenessHandler handler = new LivenessHandler(heartbeat);
        heartbeat.beat();

        time.advance(Duration.ofSeconds(60));
        assertThat(healthz(handler).status()).isEqualTo(200);
        time.advance(Duration.ofSeconds(1));

        Response response = healthz(handler);
        assertThat(response.status()).isEqualTo(503);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(
                "scheduler stalled: no heartbeat for 61s\n");

        heartbeat.beat();
        assertThat(healthz(handler).status()).isEqualTo(200);
    }

    @Test
    void startBeatsAtOnceAndThenOnTheScheduler() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            time.advance(Duration.ofMinutes(5));
            assertThat(heartbeat.alive()).isFalse();

            var task = heartbeat.start(scheduler, Duration.ofSeconds(10));

            assertThat(heartbeat.alive()).isTrue();
            assertThat(task.isDone()).isFalse();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void refusesAPeriodThatCouldNeverKeepItAlive() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            assertThatThrownBy(() -> heartbeat.start(scheduler, Duration.ofSeconds(60)))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            scheduler.shutdownNow();
        }
    }
}
