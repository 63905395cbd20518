package io.iamlet.webhook.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.associations.PodIdentityAssociationSpec;
import io.iamlet.identity.RoleArnAllowList;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The association status writer as the webhook's replicas run it, against fabric8's CRUD mock API server on loopback
 * (status subresource on, as in the generated CRD): two replicas compete for the Lease and only the holder writes;
 * each association's Ready condition says whether the agent would use it and why not; changes flip it; nothing is
 * written when nothing changed. Which replica wrote is told by the User-Agent each replica's client sends.
 */
class AssociationStatusIT {

    private static final String ROLE = "arn:aws:iam::111122223333:role/";
    private static final String NAMESPACE = "iamlet-system";
    /**
     * Quick retries, but the default lease and renew deadline: a holder slowed down by a busy machine must not lose
     * the lease mid-test. Takeover is quick anyway, as closing releases the lease.
     */
    private static final StatusLeadership.Timing FAST = new StatusLeadership.Timing(Duration.ofSeconds(15),
            Duration.ofSeconds(10), Duration.ofMillis(200));
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    /**
     * A takeover: the leaving replica's informer closes its watch, which can hold the mock API server's (Vert.x)
     * event loop for its 30 s write timeout ("VertxMockWebSocket write did not complete within 30s", seen in CI),
     * every client waiting meanwhile; a real API server is not affected.
     */
    private static final Duration TAKEOVER = Duration.ofSeconds(50);

    /** A status write as the API server saw it. */
    record StatusWrite(String association, String userAgent) {
    }

    private final List<StatusWrite> statusWrites = new CopyOnWriteArrayList<>();
    /**
     * Status writes the API server refuses (403, as without RBAC for the status subresource: fabric8 does not retry
     * it on its own) before it accepts them again.
     */
    private final AtomicInteger refuseStatusWrites = new AtomicInteger();
    private final List<Replica> replicas = new ArrayList<>();
    private KubernetesMockServer api;
    private KubernetesClient admin;

    @BeforeEach
    void start() {
        var dispatcher = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getPath();
                if (path.contains("/podidentityassociations/") && path.endsWith("/status")
                        && !"GET".equals(request.getMethod())) {
                    String name = path.substring(0, path.length() - "/status".length());
                    statusWrites.add(new StatusWrite(name.substring(name.lastIndexOf('/') + 1),
                            request.getHeader("User-Agent")));
                    if (refuseStatusWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        return new MockResponse().setResponseCode(403).setBody("{\"kind\":\"Status\","
                                + "\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                                + "\"code\":403}");
                    }
                }
                return super.dispatch(request);
            }
        };
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        api.init(InetAddress.getLoopbackAddress(), 0);
        api.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup(PodIdentityAssociation.GROUP)
                .withVersion("v1alpha1").withKind("PodIdentityAssociation").withPlural("podidentityassociations")
                .withScope("Cluster").withStatusSubresource(true).build());
        admin = client("admin");
    }

    @AfterEach
    void stop() {
        replicas.forEach(Replica::close);
        admin.close();
        api.destroy();
    }

    @Test
    void onlyTheLeaseHolderWritesAndEachAssociationSaysWhetherTheAgentUsesItAndWhyNot() {
        create("web", "shop", "web", s -> s.setRoleArn(ROLE + "app-web"));
        create("cross", "shop", "cross", s -> {
            s.setRoleArn(ROLE + "hop");
            s.setTargetRoleArn("arn:aws:iam::444455556666:role/target");
            s.setExternalId("s3cret-external-id");
        });
        // objects the API server's CEL rules would refuse, as they arrive when the CRD was applied without them
        create("no-target", "shop", "no-target", s -> {
            s.setRoleArn(ROLE + "app");
            s.setExternalId("an0ther-s3cret");
        });
        create("bad-arn", "shop", "bad-arn", s -> s.setRoleArn("arn:aws:iam::1234:user/someone"));
        create("outside", "shop", "outside", s -> s.setRoleArn("arn:aws:iam::999999999999:role/elsewhere"));
        create("tie-a", "shop", "tied", s -> s.setRoleArn(ROLE + "a"));
        create("tie-b", "shop", "tied", s -> s.setRoleArn(ROLE + "b"));

        replica("replica-a");
        replica("replica-b");

        await().atMost(CONVERGE).until(() -> readyOf("web").isPresent() && readyOf("cross").isPresent()
                && readyOf("no-target").isPresent() && readyOf("bad-arn").isPresent()
                && readyOf("outside").isPresent() && readyOf("tie-a").isPresent() && readyOf("tie-b").isPresent());
        assertReady("web", "True", "Valid");
        assertReady("cross", "True", "Valid");
        assertReady("no-target", "False", "ExternalIdWithoutTarget");
        assertReady("bad-arn", "False", "InvalidRoleArn");
        assertReady("outside", "False", "RoleNotAllowed");
        assertReady("tie-a", "False", "Tie");
        assertReady("tie-b", "False", "Tie");
        assertThat(readyOf("tie-a").orElseThrow().getMessage()).contains("tie-b");
        assertThat(readyOf("tie-b").orElseThrow().getMessage()).contains("tie-a");
        for (PodIdentityAssociation object : associations().list().getItems()) {
            assertThat(object.getStatus().getObservedGeneration()).as(object.getMetadata().getName())
                    .isEqualTo(object.getMetadata().getGeneration());
            assertThat(admin.getKubernetesSerialization().asJson(object.getStatus()))
                    .doesNotContain("s3cret-external-id").doesNotContain("an0ther-s3cret");
        }
        assertThat(statusWrites).extracting(StatusWrite::userAgent).as("one writer").hasSizeGreaterThanOrEqualTo(7)
                .containsOnly(statusWrites.getFirst().userAgent());
    }

    @Test
    void fixingATieOrAnInvalidSpecFlipsTheCondition() {
        create("tie-a", "shop", "tied", s -> s.setRoleArn(ROLE + "a"));
        create("tie-b", "shop", "tied", s -> s.setRoleArn(ROLE + "b"));
        create("chained", "shop", "chained", s -> {
            s.setRoleArn(ROLE + "app");
            s.setExternalId("an0ther-s3cret");
        });
        replica("replica-a");
        await().atMost(CONVERGE).until(() -> reason("tie-a").equals("Tie") && reason("tie-b").equals("Tie")
                && reason("chained").equals("ExternalIdWithoutTarget"));

        edit("tie-b", s -> s.setRoleArn(ROLE + "a"));
        edit("chained", s -> s.setTargetRoleArn("arn:aws:iam::444455556666:role/target"));

        await().atMost(CONVERGE).until(() -> reason("tie-a").equals("Valid") && reason("tie-b").equals("Valid")
                && reason("chained").equals("Valid"));
        PodIdentityAssociation chained = associations().withName("chained").get();
        assertThat(readyOf("chained").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(chained.getMetadata().getGeneration()).as("the spec changed once").isEqualTo(2L);
        assertThat(chained.getStatus().getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void nothingIsWrittenWhenNothingChanged() {
        create("web", "shop", "web", s -> s.setRoleArn(ROLE + "app-web"));
        create("api", "shop", "api", s -> s.setRoleArn(ROLE + "app-api"));
        replica("replica-a");
        await().atMost(CONVERGE).until(() -> reason("web").equals("Valid") && reason("api").equals("Valid"));
        int before = statusWrites.size();

        // an update that changes nothing the condition depends on, then a new association after it
        PodIdentityAssociation web = associations().withName("web").get();
        web.getMetadata().setLabels(java.util.Map.of("team", "shop"));
        associations().resource(web).update();
        create("marker", "shop", "marker", s -> s.setRoleArn(ROLE + "marker"));
        await().atMost(CONVERGE).until(() -> reason("marker").equals("Valid"));

        assertThat(statusWrites.subList(before, statusWrites.size())).extracting(StatusWrite::association)
                .containsExactly("marker");
    }

    @Test
    void aRefusedStatusWriteIsTriedAgainWithoutWaitingForTheResync() {
        refuseStatusWrites.set(4);
        create("web", "shop", "web", s -> s.setRoleArn(ROLE + "app-web"));
        replica("replica-a", Duration.ofMillis(300));

        // refused four times (the informer's first events bring one or two passes; then the writer tries again after
        // 0.3, 0.6, 1.2 s...), then written: well before the informer's 10-minute resync would bring another pass
        await().atMost(CONVERGE).until(() -> reason("web").equals("Valid"));
        assertThat(statusWrites).filteredOn(w -> w.association().equals("web")).hasSizeGreaterThanOrEqualTo(5);
        assertThat(refuseStatusWrites.get()).isZero();
    }

    @Test
    void theOtherReplicaTakesOverWhenTheHolderLeaves() {
        create("web", "shop", "web", s -> s.setRoleArn(ROLE + "app-web"));
        Replica first = replica("replica-a");
        await().atMost(CONVERGE).until(() -> reason("web").equals("Valid"));
        replica("replica-b");

        first.leave();
        create("late", "shop", "late", s -> s.setRoleArn(ROLE + "late"));

        await().atMost(TAKEOVER).until(() -> reason("late").equals("Valid"));
        assertThat(statusWrites).filteredOn(w -> w.association().equals("late")).extracting(StatusWrite::userAgent)
                .containsOnly("replica-b");
        assertThat(statusWrites).filteredOn(w -> w.association().equals("web")).extracting(StatusWrite::userAgent)
                .containsOnly("replica-a");
    }

    /** A webhook replica's writer and its part in the election, on a client of its own. */
    private record Replica(KubernetesClient client, AssociationStatusWriter writer, StatusLeadership leadership)
            implements AutoCloseable {
        /**
         * Leaves the election and stops writing, as a replica going away does. Its client stays open until the test
         * ends: closing a JDK-HttpClient client with a watch open can block fabric8's mock API server (Vert.x) for
         * up to 30 s ("VertxMockWebSocket write did not complete within 30s"), stalling every other client of it;
         * a real API server is not affected.
         */
        void leave() {
            leadership.close();
            writer.close();
        }

        @Override
        public void close() {
            leave();
            client.close();
        }
    }

    private Replica replica(String name) {
        return replica(name, AssociationStatusWriter.RETRY_FIRST);
    }

    private Replica replica(String name, Duration retryFirst) {
        KubernetesClient client = client(name);
        var writer = new AssociationStatusWriter(client,
                new RoleArnAllowList(List.of("arn:aws:iam::111122223333:role/*", "arn:aws:iam::444455556666:role/*")),
                Clock.systemUTC(), retryFirst);
        var leadership = StatusLeadership.start(client, NAMESPACE, "iamlet-webhook-status", name, FAST,
                writer::startWriting, writer::stopWriting);
        Replica replica = new Replica(client, writer, leadership);
        replicas.add(replica);
        return replica;
    }

    private KubernetesClient client(String userAgent) {
        var config = new ConfigBuilder(api.createClient().getConfiguration()).withUserAgent(userAgent).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private io.fabric8.kubernetes.client.dsl.MixedOperation<PodIdentityAssociation,
            io.fabric8.kubernetes.api.model.KubernetesResourceList<PodIdentityAssociation>,
            io.fabric8.kubernetes.client.dsl.Resource<PodIdentityAssociation>> associations() {
        return admin.resources(PodIdentityAssociation.class);
    }

    private void create(String name, String namespace, String serviceAccount,
                        Consumer<PodIdentityAssociationSpec> fill) {
        var spec = new PodIdentityAssociationSpec();
        spec.setNamespace(namespace);
        spec.setServiceAccount(serviceAccount);
        fill.accept(spec);
        var object = new PodIdentityAssociation();
        var meta = new ObjectMeta();
        meta.setName(name);
        object.setMetadata(meta);
        object.setSpec(spec);
        associations().resource(object).create();
    }

    private void edit(String name, Consumer<PodIdentityAssociationSpec> change) {
        associations().withName(name).edit(object -> {
            change.accept(object.getSpec());
            return object;
        });
    }

    private Optional<Condition> readyOf(String name) {
        PodIdentityAssociation object = associations().withName(name).get();
        if (object == null || object.getStatus() == null || object.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return object.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst()
                // only a condition about the current spec counts
                .filter(c -> java.util.Objects.equals(c.getObservedGeneration(), object.getMetadata().getGeneration()));
    }

    private String reason(String name) {
        return readyOf(name).map(Condition::getReason).orElse("");
    }

    private void assertReady(String name, String status, String reason) {
        Condition ready = readyOf(name).orElseThrow();
        assertThat(ready.getStatus()).as(name).isEqualTo(status);
        assertThat(ready.getReason()).as(name).isEqualTo(reason);
        assertThat(ready.getMessage()).as(name).isNotBlank();
    }
}
