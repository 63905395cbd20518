package io.iamlet.identity;

import static io.iamlet.identity.JwksTokenVerifierTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ServiceAccountRoleResolver} against fabric8's mock API server on loopback. */
class ServiceAccountRoleResolverIT {

    static final String ROLE = "arn:aws:iam::111122223333:role/team-a/web";
    static final String PATH = "/api/v1/namespaces/team-a/serviceaccounts/web";

    final ManualTime time = new ManualTime(Instant.parse("2030-01-01T00:00:00Z"));
    final ExecutorService blocking = Executors.newSingleThreadExecutor();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    KubernetesMockServer server;
    KubernetesClient client;

    @BeforeEach
    void startApiServer() {
        server = new KubernetesMockServer(false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stopApiServer() {
        client.close();
        server.destroy();
        blocking.shutdownNow();
    }

    ServiceAccountRoleResolver resolver(RoleArnAllowList allowList) {
        return resolver(ServiceAccountRoleResolver.Settings.defaults(), allowList);
    }

    ServiceAccountRoleResolver resolver(ServiceAccountRoleResolver.Settings settings, RoleArnAllowList allowList) {
        return new ServiceAccountRoleResolver(client, settings, allowList, blocking, time, registry);
    }

    /**
     * Runs loads and refreshes on the calling thread. With a pool, Caffeine stamps an entry's write time in a
     * completion callback that can run after the test has already advanced the fake ticker, hiding the refresh.
     */
    ServiceAccountRoleResolver resolverOnCallingThread() {
        return new ServiceAccountRoleResolver(client, ServiceAccountRoleResolver.Settings.defaults(),
                RoleArnAllowList.allowAll(), Runnable::run, time, registry);
    }

    static ServiceAccount serviceAccount(Map<String, String> annotations) {
        return new ServiceAccountBuilder().withNewMetadata().withNamespace("team-a").withName("web")
                .withAnnotations(annotations).endMetadata().build();
    }

    static <T> T result(CompletableFuture<T> future) {
        return future.orTimeout(10, TimeUnit.SECONDS).join();
    }

    static Failure failure(CompletableFuture<?> future) {
        future.handle((v, e) -> null).orTimeout(10, TimeUnit.SECONDS).join();
        return failureOf(future);
    }

    @Test
    void resolvesTheRoleAnnotatedOnTheServiceAccount() {
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", ROLE))).always();

        assertThat(result(resolver(RoleArnAllowList.allowAll()).roleArnFor("team-a", "web"))).isEqualTo(ROLE);
    }

    @Test
    void readsTheConfiguredAnnotationKey() {
        server.expect().get().withPath(PATH).andReturn(200, serviceAccount(Map.of(
                "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/wrong",
                "iamlet.io/role", ROLE))).always();
        var settings = ServiceAccountRoleResolver.Settings.defaults().withAnnotationKey("iamlet.io/role");

        assertThat(result(resolver(settings, RoleArnAllowList.allowAll()).roleArnFor("team-a", "web")))
                .isEqualTo(ROLE);
    }

    @Test
    void deniesServiceAccountWithoutAnnotationNamingTheMissingKey() {
        server.expect().get().withPath(PATH).andReturn(200, serviceAccount(Map.of("other", "x"))).always();

        Failure failure = failure(resolver(RoleArnAllowList.allowAll()).roleArnFor("team-a", "web"));

        assertThat(failure).isInstanceOf(Failure.Denied.class);
        assertThat(failure.status()).isEqualTo(403);
        assertThat(failure.reason()).isEqualTo("no_role_annotation");
        assertThat(failure.getMessage()).contains("eks.amazonaws.com/role-arn").contains("team-a/web");
    }

    @Test
    void deniesMalformedRoleArnWithoutEchoingIt() {
        String bad = "arn:aws:iam::111122223333:role/../admin\r\nX-Injected: 1";
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", bad))).always();

        Failure failure = failure(resolver(RoleArnAllowList.allowAll()).roleArnFor("team-a", "web"));

        assertThat(failure).isInstanceOf(Failure.Denied.class);
        assertThat(failure.reason()).isEqualTo("invalid_role_arn");
        assertThat(failure.getMessage()).doesNotContain("X-Injected").doesNotContain("..");
    }

    @Test
    void honoursTheAllowList() {
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", ROLE))).always();

        var teamA = new RoleArnAllowList(List.of("arn:aws:iam::111122223333:role/team-a/*"));
        var teamB = new RoleArnAllowList(List.of("arn:aws:iam::111122223333:role/team-b/*"));

        assertThat(result(resolver(teamA).roleArnFor("team-a", "web"))).isEqualTo(ROLE);
        Failure denied = failure(resolver(teamB).roleArnFor("team-a", "web"));
        assertThat(denied.reason()).isEqualTo("role_not_allowed");
        assertThat(denied.getMessage()).contains("--allowed-role-pattern");
    }

    @Test
    void deniesServiceAccountThatDoesNotExist() {
        Failure failure = failure(resolver(RoleArnAllowList.allowAll()).roleArnFor("team-a", "web"));

        assertThat(failure).isInstanceOf(Failure.Denied.class);
        assertThat(failure.reason()).isEqualTo("service_account_not_found");
    }

    @Test
    void apiServerErrorIsUnavailableAndNotCached() {
        server.expect().get().withPath(PATH).andReturn(500, "etcd is down").times(FailFast.RETRIES + 1);
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", ROLE))).always();
        var resolver = resolver(RoleArnAllowList.allowAll());

        Failure failure = failure(resolver.roleArnFor("team-a", "web"));

        assertThat(failure).isInstanceOf(Failure.Unavailable.class);
        assertThat(failure.status()).isEqualTo(503);
        assertThat(result(resolver.roleArnFor("team-a", "web"))).isEqualTo(ROLE);
    }

    @Test
    void asksTheApiServerOncePerServiceAccountWhileCached() {
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", ROLE))).always();
        var resolver = resolver(RoleArnAllowList.allowAll());
        result(resolver.roleArnFor("team-a", "web"));
        int before = server.getRequestCount();

        for (int i = 0; i < 10; i++) {
            assertThat(resolver.roleArnFor("team-a", "web")).isCompletedWithValue(ROLE);
        }

        assertThat(server.getRequestCount()).isEqualTo(before);
        assertThat(registry.get("iamlet.serviceaccount.fetches").tag("result", "found").counter().count())
                .isEqualTo(1);
    }

    @Test
    void picksUpAnnotationChangesAfterTheRefreshInterval() {
        String newRole = "arn:aws:iam::111122223333:role/team-a/web-v2";
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", ROLE))).once();
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", newRole))).always();
        var resolver = resolverOnCallingThread();
        assertThat(result(resolver.roleArnFor("team-a", "web"))).isEqualTo(ROLE);
        time.advance(Duration.ofSeconds(59));
        assertThat(result(resolver.roleArnFor("team-a", "web"))).isEqualTo(ROLE);
        assertThat(server.getRequestCount()).as("no refresh before a minute").isEqualTo(1);

        time.advance(Duration.ofSeconds(2));

        assertThat(result(resolver.roleArnFor("team-a", "web"))).isEqualTo(newRole);
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void aFailedRefreshKeepsServingTheLastAnswer() {
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", ROLE))).once();
        server.expect().get().withPath(PATH).andReturn(500, "down").always();
        var resolver = resolverOnCallingThread();
        result(resolver.roleArnFor("team-a", "web"));

        time.advance(Duration.ofSeconds(61));
        result(resolver.roleArnFor("team-a", "web"));

        assertThat(registry.get("iamlet.serviceaccount.fetches").tag("result", "error").counter().count())
                .isEqualTo(1);
        assertThat(result(resolver.roleArnFor("team-a", "web"))).isEqualTo(ROLE);
    }

    @Test
    void forgetsServiceAccountsUnusedForTenMinutes() {
        server.expect().get().withPath(PATH)
                .andReturn(200, serviceAccount(Map.of("eks.amazonaws.com/role-arn", ROLE))).always();
        var resolver = resolverOnCallingThread();
        result(resolver.roleArnFor("team-a", "web"));

        time.advance(Duration.ofMinutes(10).plusSeconds(1));
        result(resolver.roleArnFor("team-a", "web"));

        assertThat(server.getRequestCount()).as("a fresh load, not a refresh of a stale entry").isEqualTo(2);
        assertThat(registry.get("iamlet.serviceaccount.fetches").tag("result", "found").counter().count())
                .isEqualTo(2);
    }

    @Test
    void deniesNamesThatCannotBeKubernetesNames() {
        var resolver = resolver(RoleArnAllowList.allowAll());

        assertThat(failure(resolver.roleArnFor("../kube-system", "web")).reason())
                .isEqualTo("invalid_service_account");
        assertThat(server.getRequestCount()).isZero();
    }
}
