package io.iamlet.associations;

import static io.iamlet.associations.Fixtures.ACCOUNT;
import static io.iamlet.associations.Fixtures.association;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.identity.ServiceAccountRoleResolver;
import io.iamlet.pods.KubernetesClients;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Associations through a real fabric8 informer over the CRUD mock API server: changes apply without a restart. */
class AssociationStoreIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final KubernetesMockServer server = TestPods.startCrudServer();
    // with the agent's own serialization (the kinds it reads, no class-path search), as `iamlet serve` builds it
    private final KubernetesClient client = server.createClient(builder -> builder.withKubernetesSerialization(
            KubernetesClients.agentSerialization()));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AssociationStore store = new AssociationStore(client, Duration.ofMillis(300), registry);

    @AfterEach
    void stop() {
        // Stopped between its list and its watch, an informer can still open the watch, and the mock server then
        // waits 10 s for that connection ("Unable to close MockWebServer"): let a started one open it first.
        if (store.synced()) {
            await().atMost(WAIT).until(store::watching);
        }
        store.close();
        client.close();
        server.destroy();
    }

    private PodIdentityAssociation apply(PodIdentityAssociation object) {
        return client.resources(PodIdentityAssociation.class).resource(object).createOr(c -> c.update());
    }

    private void delete(String name) {
        client.resources(PodIdentityAssociation.class).withName(name).delete();
    }

    private RoleSourceResolver resolver(RoleSource source) {
        var annotations = new ServiceAccountRoleResolver(client, ServiceAccountRoleResolver.Settings.defaults(),
                RoleArnAllowList.allowAll(), Runnable::run, Ticker.systemTicker(), registry);
        return RoleSourceResolver.create(source, annotations, store, RoleArnAllowList.allowAll(), registry);
    }

    /** The role served, or the denial's reason. */
    private static String answer(CompletableFuture<String> arn) {
        try {
            String role = arn.join();
            return role.startsWith(ACCOUNT) ? role.substring(ACCOUNT.length()) : role;
        } catch (CompletionException e) {
            return Failure.find(e).map(Failure::reason).orElseThrow(() -> e);
        }
    }

    @Test
    void createUpdateAndDeleteChangeTheRoleServed() throws Exception {
        var resolver = resolver(RoleSource.ASSOCIATION);
        apply(association("team-all", "team", "*", "team-role"));
        store.start().get(10, TimeUnit.SECONDS);
        assertThat(answer(resolver.roleArnFor("team", "app"))).isEqualTo("team-role");
        assertThat(registry.get("iamlet.associations.synced").gauge().value()).isEqualTo(1);

        apply(association("team-app", "team", "app", "app-role"));
        await().atMost(WAIT).until(() -> answer(resolver.roleArnFor("team", "app")).equals("app-role"));
        assertThat(answer(resolver.roleArnFor("team", "web"))).as("the glob still serves the others")
                .isEqualTo("team-role");

        apply(association("team-app", "team", "app", "app-role-v2"));
        await().atMost(WAIT).until(() -> answer(resolver.roleArnFor("team", "app")).equals("app-role-v2"));

        delete("team-app");
        await().atMost(WAIT).until(() -> answer(resolver.roleArnFor("team", "app")).equals("team-role"));

        delete("team-all");
        await().atMost(WAIT).until(() -> answer(resolver.roleArnFor("team", "app")).equals("no_association"));
    }

    @Test
    void tieIsDeniedWithBothNamesUntilOneGoes() throws Exception {
        var resolver = resolver(RoleSource.ASSOCIATION);
        store.start().get(10, TimeUnit.SECONDS);
        apply(association("team-a", "team-*", "api", "a"));
        apply(association("api-b", "*-prod", "api", "b"));
        await().atMost(WAIT).until(() -> answer(resolver.roleArnFor("team-prod", "api")).equals("association_tie"));
        assertThat(resolver.roleArnFor("team-prod", "api")).failsWithin(WAIT)
                .withThrowableThat().havingRootCause().withMessageContaining("api-b").withMessageContaining("team-a");
        assertThat(answer(resolver.roleArnFor("team-dev", "api"))).isEqualTo("a");

        delete("api-b");
        await().atMost(WAIT).until(() -> answer(resolver.roleArnFor("team-prod", "api")).equals("a"));
    }

    @Test
    void associationOnlyModeIgnoresTheAnnotationWhichBothModeUses() throws Exception {
        client.serviceAccounts().inNamespace("team").resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("app").withNamespace("team")
                .withAnnotations(Map.of("eks.amazonaws.com/role-arn", ACCOUNT + "annotated")).endMetadata()
                .build()).create();
        store.start().get(10, TimeUnit.SECONDS);

        assertThat(answer(resolver(RoleSource.ANNOTATION).roleArnFor("team", "app"))).isEqualTo("annotated");
        assertThat(answer(resolver(RoleSource.ASSOCIATION).roleArnFor("team", "app"))).isEqualTo("no_association");
        assertThat(answer(resolver(RoleSource.BOTH).roleArnFor("team", "app"))).isEqualTo("annotated");

        apply(association("team-app", "team", "app", "associated"));
        await().atMost(WAIT).until(() -> answer(resolver(RoleSource.BOTH).roleArnFor("team", "app"))
                .equals("associated"));
        assertThat(answer(resolver(RoleSource.ANNOTATION).roleArnFor("team", "app"))).isEqualTo("annotated");
    }

    @Test
    void beforeTheFirstListAnswersRetryLaterNotNoAssociation() {
        assertThat(answer(resolver(RoleSource.BOTH).roleArnFor("team", "app"))).isEqualTo("associations_not_synced");
        assertThat(store.readiness().ready()).isFalse();
    }

    @Test
    void withoutTheCrdLookupsFailRetryablyAndReadinessStaysFalse() {
        // expectations mode with none recorded: the list is answered 404, as when the CRD is not installed
        var plain = new KubernetesMockServer(false);
        plain.init(InetAddress.getLoopbackAddress(), 0);
        var plainClient = plain.createClient();
        var lonely = new AssociationStore(plainClient, Duration.ofMillis(300), new SimpleMeterRegistry());
        try {
            assertThat(lonely.start()).failsWithin(WAIT);
            Failure failure = Failure.find(catchThrowable(() -> lonely.match("team", "app").join())).orElseThrow();
            assertThat(failure.reason()).isEqualTo("associations_unavailable");
            assertThat(failure.transientFailure()).isTrue();
            assertThat(lonely.readiness().ready()).isFalse();
        } finally {
            lonely.close();
            plainClient.close();
            plain.destroy();
        }
    }

    @Test
    void keepsOnlyTheSpecAndCountsInvalidAssociations() throws Exception {
        var object = association("team-app", "team", "app", "app-role");
        object.getMetadata().setLabels(Map.of("owner", "platform"));
        object.getMetadata().setAnnotations(Map.of("note", "x".repeat(1000)));
        apply(object);
        apply(association("broken", "team", "web", "arn:aws:iam::1:role/x"));
        store.start().get(10, TimeUnit.SECONDS);

        assertThat(store.associations()).hasSize(2);
        assertThat(store.readiness().ready()).isTrue();
        assertThat(registry.get("iamlet.associations").tag("state", "valid").gauge().value()).isEqualTo(1);
        assertThat(registry.get("iamlet.associations").tag("state", "invalid").gauge().value()).isEqualTo(1);
        assertThat(answer(resolver(RoleSource.ASSOCIATION).roleArnFor("team", "web"))).isEqualTo("invalid_association");
    }
}
