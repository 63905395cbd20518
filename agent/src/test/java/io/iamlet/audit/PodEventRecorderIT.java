package io.iamlet.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import io.iamlet.testing.ManualTime;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Denials become Events on the pod, in fabric8's CRUD mock API server on loopback; time is moved by hand. */
class PodEventRecorderIT {

    static final String ROLE = "arn:aws:iam::111122223333:role/team-a-reader";
    static final String UID = "6f1c1e52-3a57-4ad5-9b2f-0a4b1bd0b001";

    private final ManualTime time = new ManualTime(Instant.parse("2030-01-01T12:00:00.123Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AuditLog audit = new AuditLog("node-a");
    private final FakePods pods = new FakePods();
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void startApiServer() {
        server = TestPods.startCrudServer();
        client = server.createClient();
    }

    @AfterEach
    void stopApiServer() {
        client.close();
        server.destroy();
    }

    private PodEventRecorder recorder(Executor executor) {
        PodEventRecorder recorder = new PodEventRecorder(client, pods, "node-a", Duration.ofMinutes(5), executor,
                time, time, registry);
        audit.addListener(recorder);
        return recorder;
    }

    private static AuditEvent asked(String namespace, String pod) {
        return AuditEvent.from("container", "10.0.0.7").pod(namespace, pod, "reader").role(ROLE);
    }

    private List<Event> events(String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems();
    }

    private double count(String name) {
        return registry.get(name).counter().count();
    }

    @Test
    void recordsADenialAsAWarningEventOnThePod() {
        pods.add(new PodInfo("team-a", "web", UID, "reader", List.of("10.0.0.7"), Map.of(), Instant.EPOCH, false));
        recorder(Runnable::run);

        audit.record(asked("team-a", "web").denied(403, "role_not_allowed"));

        assertThat(events("team-a")).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("IamletDenied");
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
            assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("v1");
            assertThat(e.getInvolvedObject().getNamespace()).isEqualTo("team-a");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("web");
            assertThat(e.getInvolvedObject().getUid()).isEqualTo(UID);
            assertThat(e.getMessage()).isEqualTo("iamlet refused credentials for role " + ROLE
                    + ": role_not_allowed (HTTP 403, container endpoint). Further 'role_not_allowed' denials of"
                    + " this pod are not recorded as events for 5m; every request is in iamlet's audit log on node"
                    + " node-a.");
            assertThat(e.getMessage()).doesNotContain("10.0.0.7");
            assertThat(e.getSource().getComponent()).isEqualTo("iamlet");
            assertThat(e.getSource().getHost()).isEqualTo("node-a");
            assertThat(e.getFirstTimestamp()).isEqualTo("2030-01-01T12:00:00Z");
            assertThat(e.getCount()).isOne();
            assertThat(e.getMetadata().getName()).startsWith("web.");
        });
        assertThat(count("iamlet.events.emitted")).isOne();
    }

    @Test
    void cutsALongMessageToWhatTheApiServerAccepts() {
        recorder(Runnable::run);

        audit.record(asked("team-a", "web").role(ROLE + "/" + "x".repeat(5000)).denied(403, "role_not_allowed"));

        assertThat(events("team-a")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).hasSize(1024).startsWith("iamlet refused credentials"));
    }

    @Test
    void namesThePodWithoutUidWhenTheIndexNoLongerHasIt() {
        recorder(Runnable::run);

        audit.record(asked("team-a", "gone").denied(403, "pod_mismatch"));

        assertThat(events("team-a")).singleElement().satisfies(e -> {
            assertThat(e.getInvolvedObject().getName()).isEqualTo("gone");
            assertThat(e.getInvolvedObject().getUid()).isNull();
        });
    }

    @Test
    void recordsOnlyRefusalsByPolicy() {
        recorder(Runnable::run);

        audit.record(asked("team-a", "web").denied(503, "sts_throttled"));      // transient: alerts cover it
        audit.record(asked("team-a", "web").denied(404, "no_role"));            // metadata path, pod has no role
        audit.record(asked("team-a", "web").denied(500, "internal_error"));
        audit.record(asked("team-a", "web").denied(403, "sts_access_denied"));  // the trust policy refused

        assertThat(events("team-a")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains(": sts_access_denied (HTTP 403,"));
    }

    @Test
    void recordsOneEventPerPodAndReasonWithinTheInterval() {
        recorder(Runnable::run);

        for (int i = 0; i < 20; i++) {
            audit.record(asked("team-a", "web").denied(403, "role_not_allowed"));
            time.advance(Duration.ofSeconds(10));
        }
        assertThat(events("team-a")).hasSize(1);
        assertThat(count("iamlet.events.suppressed")).isEqualTo(19);

        audit.record(asked("team-a", "web").denied(403, "no_role_annotation")); // another reason
        audit.record(asked("team-a", "api").denied(403, "role_not_allowed"));  // another pod
        audit.record(asked("team-b", "web").denied(403, "role_not_allowed"));  // another namespace
        assertThat(events("team-a")).hasSize(3);
        assertThat(events("team-b")).hasSize(1);

        time.advance(Duration.ofMinutes(5).minusSeconds(200)); // 5 min since the first event
        audit.record(asked("team-a", "web").denied(403, "role_not_allowed"));
        assertThat(events("team-a")).hasSize(4);
        assertThat(count("iamlet.events.emitted")).isEqualTo(5);
    }

    @Test
    void ignoresGrantsAndDenialsThatNameNoPod() {
        recorder(Runnable::run);

        audit.record(asked("team-a", "web").granted(true, null, "ASIAEXAMPLE"));
        audit.record(AuditEvent.from("container", "10.0.0.9").denied(401, "bad_signature"));

        assertThat(events("team-a")).isEmpty();
        assertThat(count("iamlet.events.emitted")).isZero();
        assertThat(count("iamlet.events.suppressed")).isZero();
    }

    @Test
    void sendsOffTheCallersThread() {
        Queue<Runnable> queued = new ArrayDeque<>();
        recorder(queued::add);

        audit.record(asked("team-a", "web").denied(403, "role_not_allowed"));

        assertThat(events("team-a")).isEmpty();
        assertThat(queued).hasSize(1);
        queued.poll().run();
        assertThat(events("team-a")).hasSize(1);
    }

    @Test
    void logsAndCountsApiRefusalsAndTriesAgainAtTheNextDenial() {
        // An API server that refuses the create, as one does when the agent's RBAC lacks events/create.
        KubernetesMockServer refusing = new KubernetesMockServer(false);
        refusing.init(InetAddress.getLoopbackAddress(), 0);
        refusing.expect().post().withPath("/api/v1/namespaces/team-a/events")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("events is forbidden").build())
                .always();
        try (KubernetesClient refusingClient = refusing.createClient()) {
            PodEventRecorder recorder = new PodEventRecorder(refusingClient, pods, "node-a", Duration.ofMinutes(5),
                    Runnable::run, time, time, registry);

            recorder.accept(asked("team-a", "web").denied(403, "role_not_allowed"));

            assertThat(count("iamlet.events.failed")).isOne();
            assertThat(count("iamlet.events.emitted")).isZero();

            recorder.accept(asked("team-a", "web").denied(403, "role_not_allowed"));
            assertThat(count("iamlet.events.failed")).isEqualTo(2);
            assertThat(count("iamlet.events.suppressed")).isZero();
        } finally {
            refusing.destroy();
        }
    }

    @Test
    void countsEventsDroppedByAStoppedExecutor() {
        recorder(task -> {
            throw new RejectedExecutionException("stopped");
        });

        audit.record(asked("team-a", "web").denied(403, "role_not_allowed"));

        assertThat(count("iamlet.events.failed")).isOne();
    }

    @Test
    void keepsEventNamesWithinTheKubernetesLimit() {
        PodEventRecorder recorder = recorder(Runnable::run);
        String longPod = "p".repeat(230) + "-x-" + "q".repeat(20);

        String name = recorder.eventName(longPod, time.instant());

        assertThat(name).hasSizeLessThanOrEqualTo(253).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
        assertThat(recorder.eventName("web", time.instant())).isNotEqualTo(recorder.eventName("web",
                time.instant()));
    }

    /** Just enough of a pod index: the pods it holds. */
    static final class FakePods implements PodIndex {
        private final java.util.List<PodInfo> pods = new java.util.concurrent.CopyOnWriteArrayList<>();

        void add(PodInfo pod) {
            pods.add(pod);
        }

        @Override
        public Optional<PodInfo> at(String ip) {
            return pods.stream().filter(p -> p.ips().contains(ip)).findFirst();
        }

        @Override
        public CompletableFuture<PodInfo> await(String ip) {
            return at(ip).map(CompletableFuture::completedFuture)
                    .orElseGet(() -> CompletableFuture.failedFuture(new IllegalStateException("unknown")));
        }

        @Override
        public Collection<PodInfo> pods() {
            return pods;
        }

        @Override
        public boolean synced() {
            return true;
        }

        @Override
        public void addListener(PodListener listener) {
        }
    }
}
