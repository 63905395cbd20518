package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.credentials.Identity;
import io.iamlet.failure.Failure;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The iam/ routes without sockets: what each answers, and what each refusal leaves behind. */
class IamRoutesTest {

    private static final String BASE = "arn:aws:iam::123456789012:role/";
    private static final String CREDENTIALS = IamRoutes.CREDENTIALS;

    private final FakePods pods = new FakePods();
    private final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Instant started = Instant.parse("2026-03-01T10:00:00Z");
    private Function<Identity, CompletableFuture<CredentialProvider.Served>> provider;
    private final IamRoutes routes;

    IamRoutesTest() {
        MetadataSettings settings = MetadataSettings.builder().baseRoleArn(BASE).build();
        RoleDecider decider = new RoleDecider(pods, new RoleChoice(settings),
                ns -> CompletableFuture.completedFuture(NamespacePolicy.fromAnnotations(
                        Map.of(NamespacePolicy.ALLOWED_ROLES, "[\"team-a/**\", \"app\"]"))), settings);
        FakeCredentialProvider fake = new FakeCredentialProvider();
        provider = fake::get;
        CredentialProvider credentials = new CredentialProvider() {
            @Override
            public CompletableFuture<Served> get(Identity identity) {
                return provider.apply(identity);
            }

            @Override
            public void prefetch(Identity identity) {
            }
        };
        AuditLog audit = new AuditLog("node-a");
        audit.addListener(audited::add);
        routes = new IamRoutes(decider, credentials, audit, new MetadataMetrics(registry), started);
        pods.add(FakePods.pod("team-a", "reader", "10.0.0.7", Map.of("iam.amazonaws.com/role", "team-a/reader")));
        pods.add(FakePods.pod("team-a", "plain", "10.0.0.8", Map.of()));
        pods.add(FakePods.pod("team-a", "rogue", "10.0.0.9", Map.of("iam.amazonaws.com/role", "admin")));
    }

    private static Request get(String path, String ip) {
        return new Request("GET", path, "", Map.of(), ip, new byte[0]);
    }

    private static Failure failure(CompletableFuture<Response> answer) {
        Throwable error = answer.handle((r, e) -> e).join();
        return Failure.find(error).orElseThrow(() -> new AssertionError("expected a Failure, got " + error));
    }

    private static String body(Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void aPathedRoleIsListedByItsNameAndServedUnderIt() {
        Response list = routes.roleName(get(CREDENTIALS, "10.0.0.7")).join();
        Response credentials = routes.credentials(get(CREDENTIALS + "reader", "10.0.0.7")).join();

        assertThat(body(list)).isEqualTo("reader");
        assertThat(list.contentType()).isEqualTo("text/plain");
        assertThat(credentials.status()).isEqualTo(200);
        assertThat(credentials.headers()).containsEntry("Cache-Control", "no-store");
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.granted()).isTrue();
            assertThat(e.roleArn()).isEqualTo(BASE + "team-a/reader");
            assertThat(e.accessKeyId()).startsWith("ASIAREADER");
        });
    }

    @Test
    void infoDescribesThePodsRole() {
        JsonNode info = JsonMapper.shared().readTree(routes.info(get("/latest/meta-data/iam/info", "10.0.0.7"))
                .join().body());

        assertThat(info.get("Code").asString()).isEqualTo("Success");
        assertThat(info.get("LastUpdated").asString()).isEqualTo("2026-03-01T10:00:00Z");
        assertThat(info.get("InstanceProfileArn").asString())
                .isEqualTo("arn:aws:iam::123456789012:instance-profile/team-a/reader");
        assertThat(info.get("InstanceProfileId").asString()).matches("AIPA[A-Z0-9]{17}")
                .isEqualTo(InstanceProfileInfo.profileId(BASE + "team-a/reader"))
                .isNotEqualTo(InstanceProfileInfo.profileId(BASE + "app"));
    }

    @Test
    void anotherNameIsNotFoundAndAudited() {
        Failure f = failure(routes.credentials(get(CREDENTIALS + "admin", "10.0.0.7")));

        assertThat(f.status()).isEqualTo(404);
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("not_pod_role");
            assertThat(e.status()).isEqualTo(404); // not a refusal by policy: no pod event
        });
    }

    @Test
    void aPodWithoutRoleIsNotFoundAndOnlyItsCredentialsRequestIsAudited() {
        assertThat(failure(routes.roleName(get(CREDENTIALS, "10.0.0.8"))).status()).isEqualTo(404);
        assertThat(failure(routes.info(get("/latest/meta-data/iam/info", "10.0.0.8"))).status()).isEqualTo(404);
        assertThat(audited).isEmpty();

        assertThat(failure(routes.credentials(get(CREDENTIALS + "x", "10.0.0.8"))).reason()).isEqualTo("no_role");
        assertThat(audited).singleElement().satisfies(e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void aDeniedRoleIsRefusedOnEveryRouteAndAuditedAsAPolicyRefusalOfThePod() {
        assertThat(failure(routes.roleName(get(CREDENTIALS, "10.0.0.9"))).status()).isEqualTo(403);
        assertThat(failure(routes.info(get("/latest/meta-data/iam/info", "10.0.0.9"))).status()).isEqualTo(403);
        assertThat(failure(routes.credentials(get(CREDENTIALS + "admin", "10.0.0.9"))).status()).isEqualTo(403);

        // what the audit log's PodEventRecorder needs to put one Event on the pod: a 403 naming it
        assertThat(audited).hasSize(3).allSatisfy(e -> {
            assertThat(e.reason()).isEqualTo("namespace_policy_mismatch");
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.namespace()).isEqualTo("team-a");
            assertThat(e.pod()).isEqualTo("rogue");
        });
        assertThat(registry.find("iamlet.metadata.denials").tag("reason", "namespace_policy_mismatch").counter()
                .count()).isEqualTo(3);
    }

    @Test
    void anUnknownAddressIsATransientRefusal() {
        Failure f = failure(routes.credentials(get(CREDENTIALS + "reader", "10.9.9.9")));

        assertThat(f.status()).isEqualTo(503);
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.pod()).isNull();
        });
    }

    @Test
    void anAddressClaimedByTwoLivePodsIsATransientRefusalNamingNoPod() {
        pods.contest("10.0.0.7");

        Failure list = failure(routes.roleName(get(CREDENTIALS, "10.0.0.7")));
        Failure credentials = failure(routes.credentials(get(CREDENTIALS + "reader", "10.0.0.7")));

        assertThat(List.of(list, credentials)).allSatisfy(f -> {
            assertThat(f.status()).isEqualTo(503);
            assertThat(f.reason()).isEqualTo("ip_ambiguous");
        });
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("ip_ambiguous");
            assertThat(e.pod()).as("no guess at which pod asked").isNull();
            assertThat(e.roleArn()).isNull();
        });
        assertThat(registry.find("iamlet.metadata.denials").tag("reason", "ip_ambiguous").counter().count())
                .isEqualTo(2);
    }

    @Test
    void stsTroubleIsPassedOnAsItsFailure() {
        provider = identity -> CompletableFuture.failedFuture(
                new Failure.Unavailable("sts_unavailable", "STS did not answer"));

        Failure f = failure(routes.credentials(get(CREDENTIALS + "reader", "10.0.0.7")));

        assertThat(f.status()).isEqualTo(503);
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("sts_unavailable");
            assertThat(e.status()).isEqualTo(503); // transient: no pod event
        });
    }
}
