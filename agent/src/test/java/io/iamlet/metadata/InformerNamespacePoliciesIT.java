package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.failure.Failure;
import io.iamlet.pods.KubernetesClients;
import io.iamlet.testing.ClusterScale;
import io.iamlet.testing.StandIns;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
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
    // with the agent's own serialization (the kinds it reads, no class-path search), as `iamlet serve` builds it
    private final KubernetesClient client = server.createClient(builder -> builder.withKubernetesSerialization(
            KubernetesClients.agentSerialization()));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InformerNamespacePolicies policies =
            new InformerNamespacePolicies(client, Duration.ofMillis(300), registry);

    @AfterEach
    void stop() {
        // Stopped between its list and its watch, an informer can still open the watch, and the mock server then
        // waits 10 s for that connection ("Unable to close MockWebServer"): let a started one open it first.
        if (policies.synced()) {
            await().atMost(Duration.ofSeconds(10)).until(policies::watching);
        }
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
    void keepsOnlyThePolicyOfEachNamespaceAndStillFollowsChanges() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-a")
                .addToLabels("team", "payments").addToAnnotations("owner", "payments@example.com")
                .addToAnnotations(NamespacePolicy.PERMITTED, "app").endMetadata()
                .withNewSpec().withFinalizers("kubernetes").endSpec().build()).create();
        policies.start().get(10, TimeUnit.SECONDS);

        assertThat(policies.stored()).singleElement().satisfies(ns -> {
            assertThat(ns.getMetadata().getName()).isEqualTo("team-a");
            assertThat(ns.getMetadata().getAnnotations()).containsExactlyEntriesOf(
                    Map.of(NamespacePolicy.PERMITTED, "app"));
            assertThat(ns.getMetadata().getLabels()).isNullOrEmpty();
            assertThat(ns.getSpec()).isNull();
        });
        assertThat(verdict("team-a", "app")).isEmpty();

        client.namespaces().withName("team-a").edit(ns -> new NamespaceBuilder(ns).editMetadata()
                .addToAnnotations(NamespacePolicy.PERMITTED, "other").addToLabels("tier", "1").endMetadata().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> verdict("team-a", "app").isPresent());
        assertThat(verdict("team-a", "other")).isEmpty();
        assertThat(policies.stored()).singleElement().extracting(ns -> ns.getMetadata().getAnnotations())
                .isEqualTo(Map.of(NamespacePolicy.PERMITTED, "other"));

        client.namespaces().withName("team-a").edit(ns -> new NamespaceBuilder(ns).editMetadata()
                .removeFromAnnotations(NamespacePolicy.PERMITTED).endMetadata().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> verdict("team-a", "other").isPresent());
        assertThat(verdict("team-a", "other")).contains("namespace_no_policy");
    }

    @Test
    void listsAClusterOfManyNamespacesInPages() throws Exception {
        int count = 1200;   // scale-ns-0 .. scale-ns-1199; every fourth has no policy (i % 4 == 3)
        try (StandIns standIns = StandIns.start(InetAddress.getLoopbackAddress(), new ClusterScale(0, count, 0),
                TestPods.NODE);
             InformerNamespacePolicies many = new InformerNamespacePolicies(standIns.client(), Duration.ofMillis(300),
                     new SimpleMeterRegistry())) {
            many.start().get(30, TimeUnit.SECONDS);

            assertThat(many.stored()).hasSizeGreaterThanOrEqualTo(count);
            String role = "arn:aws:iam::111122223333:role/scale-ns-1101-app";
            assertThat(many.policyFor("scale-ns-1101").join().check(role, BASE, "scale-ns-1101")).isEmpty();
            assertThat(many.policyFor("scale-ns-1100").join().check(role, BASE, "scale-ns-1100")).isPresent();
            assertThat(many.policyFor("scale-ns-1103").join().hasRules()).isFalse();
            int lists = 0;
            for (int i = standIns.apiServer().getRequestCount(); i > 0; i--) {
                var request = standIns.apiServer().takeRequest(1, TimeUnit.SECONDS);
                if (request != null && request.getPath().startsWith("/api/v1/namespaces?")
                        && !request.getPath().contains("watch=true")) {
                    assertThat(request.getPath()).contains("limit=" + InformerNamespacePolicies.LIST_PAGE);
                    lists++;
                }
            }
            assertThat(lists).as("list requests of at most %d namespaces each", InformerNamespacePolicies.LIST_PAGE)
                    .isGreaterThanOrEqualTo((int) (count / InformerNamespacePolicies.LIST_PAGE) + 1);
        }
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
        // a wait longer than any first list takes, even on a loaded machine (the 300 ms of the others was not):
        // what is tested here is that the waiting lookup is answered, not the bound
        try (var starting = new InformerNamespacePolicies(client, Duration.ofSeconds(10), new SimpleMeterRegistry())) {
            var pending = starting.policyFor("team-a");

            starting.start();

            assertThat(pending.get(10, TimeUnit.SECONDS).check(BASE + "app", BASE, "team-a")).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(starting::watching); // see stop()
        }
    }
}
