package io.iamlet.injection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.associations.GrantResolver;
import io.iamlet.associations.RoleGrant;
import io.iamlet.failure.Failure;
import io.iamlet.pods.PodInfo;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pods that map to a role but lack the injection get an Event and a count; fabric8's CRUD mock API server. */
class MissedInjectionDetectorIT {

    static final String ROLE = "arn:aws:iam::111122223333:role/app-web";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger lookups = new AtomicInteger();
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void startApiServer() {
        server = TestPods.startCrudServer();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        client.close();
        server.destroy();
    }

    /** web maps to a role; plain has none; tied matches two associations (denied, but mapped); flaky fails once. */
    private final GrantResolver roles = new GrantResolver() {
        @Override
        public CompletableFuture<RoleGrant> grantFor(String namespace, String serviceAccount) {
            int call = lookups.incrementAndGet();
            return switch (serviceAccount) {
                case "web" -> CompletableFuture.completedFuture(RoleGrant.fromAnnotation(ROLE));
                case "tied" -> CompletableFuture.failedFuture(new Failure.Denied("association_tie", "a tie"));
                case "flaky" -> call == 1 ? CompletableFuture.failedFuture(new Failure.NotYetKnown(
                        "associations_not_synced", "not yet")) : CompletableFuture.completedFuture(
                        RoleGrant.fromAnnotation(ROLE));
                default -> CompletableFuture.failedFuture(new Failure.Denied("no_role_annotation", "no role"));
            };
        }

        @Override
        public CompletableFuture<String> roleArnFor(String namespace, String serviceAccount) {
            return grantFor(namespace, serviceAccount).thenApply(RoleGrant::roleArn);
        }
    };

    private MissedInjectionDetector detector() {
        return new MissedInjectionDetector(client, roles, "node-a", Runnable::run, scheduler,
                Clock.fixed(Instant.parse("2030-01-01T12:00:00Z"), ZoneOffset.UTC), registry, Duration.ofMillis(50));
    }

    private PodInfo create(String name, String serviceAccount, boolean injected) {
        var container = new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("app").withImage("app:1");
        if (injected) {
            container.addNewEnv().withName(InjectionNames.CREDENTIALS_URI_VARIABLE)
                    .withValue(InjectionNames.IpFamily.IPV4.credentialsUri()).endEnv()
                    .addNewEnv().withName(InjectionNames.TOKEN_FILE_VARIABLE).withValue(InjectionNames.TOKEN_FILE).endEnv()
                    .addNewVolumeMount().withName(InjectionNames.VOLUME_NAME).withMountPath(InjectionNames.MOUNT_PATH)
                    .endVolumeMount();
        }
        Pod pod = client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withNamespace("shop")
                .withName(name).endMetadata().withNewSpec().withServiceAccountName(serviceAccount)
                .withContainers(container.build()).endSpec().build()).create();
        return new PodInfo("shop", name, pod.getMetadata().getUid(), serviceAccount, List.of("10.0.0.7"), Map.of(),
                Instant.EPOCH, false);
    }

    private List<Event> events() {
        return client.v1().events().inNamespace("shop").list().getItems();
    }

    private double missing() {
        return registry.get("iamlet.pods.missing.injection").counter().count();
    }

    @Test
    void aPodWithARoleButNoInjectionGetsOneWarningEventAndCounts() {
        MissedInjectionDetector detector = detector();
        PodInfo pod = create("web-1", "web", false);

        detector.added(pod);
        detector.added(pod); // a second add of the same pod (resync, relist) reports nothing more

        assertThat(events()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo(MissedInjectionDetector.REASON);
            assertThat(e.getInvolvedObject().getUid()).isEqualTo(pod.uid());
            assertThat(e.getInvolvedObject().getName()).isEqualTo("web-1");
            assertThat(e.getMessage()).contains("container app lacks", "webhook was unavailable or excluded",
                    "restart the pod");
        });
        assertThat(missing()).isEqualTo(1);
        assertThat(registry.get("iamlet.pods.running.without.injection").gauge().value()).isEqualTo(1);

        detector.removed(pod);
        assertThat(registry.get("iamlet.pods.running.without.injection").gauge().value()).isZero();
    }

    @Test
    void injectedPodsAndPodsWithoutARoleAreLeftAlone() {
        MissedInjectionDetector detector = detector();

        detector.added(create("web-2", "web", true));
        detector.added(create("plain-1", "plain", false));

        assertThat(events()).isEmpty();
        assertThat(missing()).isZero();
    }

    @Test
    void aMatchTheAgentDeniesStillCountsAsMapped() {
        detector().added(create("tied-1", "tied", false));

        assertThat(events()).singleElement().satisfies(e -> assertThat(e.getInvolvedObject().getName())
                .isEqualTo("tied-1"));
    }

    @Test
    void aRoleLookupThatCannotAnswerYetIsRetried() {
        detector().added(create("flaky-1", "flaky", false));

        await().atMost(Duration.ofSeconds(10)).until(() -> missing() == 1);
        assertThat(events()).hasSize(1);
        assertThat(lookups).hasValue(2);
    }
}
