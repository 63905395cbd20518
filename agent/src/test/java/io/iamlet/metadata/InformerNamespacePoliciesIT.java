package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.failure.Failure;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Namespace policies from a real fabric8 informer over the CRUD mock API server. */
class InformerNamespacePoliciesIT {

    private static final String BASE = "arn:aws:iam::123456789012:role/";

    private final KubernetesMockServer server = TestPods.startCrudServer();
    private final KubernetesClient client = server.createClient();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InformerNamespacePolicies policies =
            new InformerNamespacePolicies(client, Duration.ofMillis(300), registry);

    @AfterEach
    void stop() {
        policies.close();
        client.close();
        server.destroy();
    }

    private void namespace(String name, Map<String, String> annotations) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .withAnnotations(annotations).endMetadata().build()).createOr(c -> c.update());
    }

    private Optional<String> verdict(String namespace, String role) {
        return policies.policyFor(namespace).join().check(BASE + role, BASE, namespace)
                .map(NamespacePolicy.Refusal::reason);
    }

    @Test
    void followsAnnotationChanges() throws Exception {
        namespace("team-a", Map.of());
        policies.start().get(10, TimeUnit.SECONDS);
        assertThat(verdict("team-a", "app")).contains("namespace_no_policy");
        assertThat(registry.get("iamlet.namespaces.synced").gauge().value()).isEqualTo(1);

        namespace("team-a", Map.of(NamespacePolicy.PERMITTED, "app"));
        await().atMost(Duration.ofSeconds(10)).until(() -> verdict("team-a", "app").isEmpty());

        namespace("team-a", Map.of(NamespacePolicy.PERMITTED, "other"));
        await().atMost(Duration.ofSeconds(10)).until(() -> verdict("team-a", "app").isPresent());
        assertThat(verdict("team-a", "app")).contains("namespace_policy_mismatch");
    }

    @Test
    void anUnknownOrDeletedNamespaceIsATransientAnswerNeverAGrant() throws Exception {
        namespace("team-a", Map.of(NamespacePolicy.PERMITTED, ".*"));
        policies.start().get(10, TimeUnit.SECONDS);
        assertThat(verdict("team-a", "app")).isEmpty();

        assertThat(policies.policyFor("nowhere").handle((p, e) -> e).join())
                .isInstanceOf(Failure.NotYetKnown.class).hasMessageContaining("nowhere");

        // the first list can complete before the watch is open, and the mock server does not replay a delete made in
        // between: wait until the watch demonstrably delivers (a namespace created now shows up), then delete
        namespace("watch-probe", Map.of());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> policies.policyFor("watch-probe").handle((p, e) -> e == null).join());
        client.namespaces().withName("team-a").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> policies.policyFor("team-a").isCompletedExceptionally());
    }

    @Test
    void aLookupBeforeTheFirstListWaitsABoundedTime() {
        namespace("team-a", Map.of(NamespacePolicy.PERMITTED, "app"));

        Throwable error = policies.policyFor("team-a").handle((p, e) -> e).join();

        assertThat(Failure.find(error)).get().satisfies(f -> {
            assertThat(f.status()).isEqualTo(503);
            assertThat(f.reason()).isEqualTo("namespaces_not_synced");
        });
        assertThat(registry.get("iamlet.namespaces.synced").gauge().value()).isZero();
    }

    @Test
    void aLookupMadeWhileStartingIsAnsweredOnceListed() throws Exception {
        namespace("team-a", Map.of(NamespacePolicy.PERMITTED, "app"));
        var pending = policies.policyFor("team-a");

        policies.start();

        assertThat(pending.get(10, TimeUnit.SECONDS).check(BASE + "app", BASE, "team-a")).isEmpty();
    }
}
