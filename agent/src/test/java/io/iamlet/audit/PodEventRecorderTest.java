package io.iamlet.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How Events share the API-server pool with the lookups pods wait for, without a socket: the tasks are held, never
 * run, so the API server is never contacted. Events against fabric8's mock API server: {@link PodEventRecorderIT}.
 */
class PodEventRecorderTest {

    private final ManualTime time = new ManualTime(Instant.parse("2030-01-01T12:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Runnable> held = new ArrayList<>();
    private final KubernetesClient neverContacted = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:1/").build()).build();

    @AfterEach
    void close() {
        neverContacted.close();
    }

    private PodEventRecorder recorder(Executor executor) {
        return new PodEventRecorder(neverContacted, new PodEventRecorderIT.FakePods(), "node-a",
                Duration.ofMinutes(5), executor, time, time, registry);
    }

    private static AuditEvent denialOf(String pod) {
        return AuditEvent.from("container", "10.0.0.7").pod("shop", pod, "web").denied(403, "pod_mismatch");
    }

    private double failed() {
        return registry.get("iamlet.events.failed").counter().count();
    }

    @Test
    void atMostSixteenEventsWaitForTheApiServerTheRestAreDroppedAndCounted() {
        var recorder = recorder(held::add);

        for (int i = 0; i < 20; i++) {
            recorder.accept(denialOf("web-" + i));
        }

        assertThat(held).hasSize(PodEventRecorder.MAX_PENDING);
        assertThat(failed()).isEqualTo(20 - PodEventRecorder.MAX_PENDING);
    }

    @Test
    void aDroppedEventIsTriedAgainAtThePodsNextDenial() {
        var recorder = recorder(task -> {
            throw new RejectedExecutionException("the API-server pool is full");
        });
        recorder.accept(denialOf("web-0"));

        recorder.accept(denialOf("web-0"));

        assertThat(failed()).as("tried twice, not suppressed as recent").isEqualTo(2);
        assertThat(registry.get("iamlet.events.suppressed").counter().count()).isZero();
    }
}
