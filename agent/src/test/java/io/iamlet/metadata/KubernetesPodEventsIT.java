package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.pods.PodInfo;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Denials as Kubernetes Events in the CRUD mock API server: one per pod and reason per interval. */
class KubernetesPodEventsIT {

    private final KubernetesMockServer server = TestPods.startCrudServer();
    private final KubernetesClient client = server.createClient();
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final TestClock clock = new TestClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KubernetesPodEvents events = new KubernetesPodEvents(client, "node-a", thread, clock,
            Duration.ofMinutes(5), registry);
    private final PodInfo pod = FakePods.pod("team-a", "web-1", "10.0.0.7", Map.of());

    @AfterEach
    void stop() {
        thread.shutdownNow();
        client.close();
        server.destroy();
    }

    private List<Event> recorded() throws Exception {
        thread.submit(() -> { }).get(10, TimeUnit.SECONDS); // creations submitted so far have run
        return client.v1().events().inNamespace("team-a").list().getItems();
    }

    @Test
    void recordsAWarningOnThePodNamingTheReason() throws Exception {
        events.denied(pod, "namespace_policy_mismatch", "role X is not permitted in namespace team-a");

        assertThat(recorded()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo(KubernetesPodEvents.REASON);
            assertThat(e.getMessage()).isEqualTo("iamlet refused the pod its IAM role (namespace_policy_mismatch):"
                    + " role X is not permitted in namespace team-a");
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("web-1");
            assertThat(e.getInvolvedObject().getUid()).isEqualTo(pod.uid());
            assertThat(e.getSource().getComponent()).isEqualTo("iamlet");
            assertThat(e.getSource().getHost()).isEqualTo("node-a");
            assertThat(e.getFirstTimestamp()).isEqualTo("2026-03-01T10:00:00Z");
        });
    }

    @Test
    void repeatsWithinTheIntervalAreDroppedPerPodAndReason() throws Exception {
        for (int i = 0; i < 5; i++) {
            events.denied(pod, "namespace_policy_mismatch", "denied");
        }
        events.denied(pod, "invalid_role", "bad annotation");
        PodInfo other = FakePods.pod("team-a", "web-2", "10.0.0.8", Map.of());
        events.denied(other, "namespace_policy_mismatch", "denied");

        assertThat(recorded()).hasSize(3);
        assertThat(registry.find("iamlet.metadata.pod.events").tag("outcome", "suppressed").counter().count())
                .isEqualTo(4);

        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        events.denied(pod, "namespace_policy_mismatch", "denied");
        assertThat(recorded()).hasSize(3);

        clock.advance(Duration.ofSeconds(1));
        events.denied(pod, "namespace_policy_mismatch", "denied");
        assertThat(recorded()).hasSize(4);
    }

    @Test
    void aLongMessageIsCutToWhatTheApiServerAccepts() throws Exception {
        events.denied(pod, "invalid_role", "x".repeat(5000));

        assertThat(recorded()).singleElement().satisfies(e -> assertThat(e.getMessage()).hasSize(1024).endsWith("..."));
    }

    @Test
    void anApiServerThatRefusesIsCountedNotThrown() throws Exception {
        client.close();
        server.destroy();

        events.denied(pod, "invalid_role", "bad annotation");
        thread.submit(() -> { }).get(30, TimeUnit.SECONDS);

        assertThat(registry.find("iamlet.metadata.pod.events").tag("outcome", "failed").counter().count())
                .isEqualTo(1);
    }
}
