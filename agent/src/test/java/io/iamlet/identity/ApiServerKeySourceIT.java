package io.iamlet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.failure.Failure;
import io.iamlet.testing.TestTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ApiServerKeySource} against fabric8's mock API server on loopback. */
class ApiServerKeySourceIT {

    final TestTokens tokens = TestTokens.standard();
    final ExecutorService blocking = Executors.newSingleThreadExecutor();
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

    @Test
    void loadsPublicKeysAndIssuerFromTheApiServer() throws Exception {
        tokens.serveDiscovery(server);

        KeyMaterial material = new ApiServerKeySource(client, blocking).load().get(10, TimeUnit.SECONDS);

        assertThat(material.issuer()).isEqualTo(TestTokens.DEFAULT_ISSUER);
        assertThat(material.keys().getKeys()).extracting(k -> k.getKeyID())
                .containsExactlyInAnyOrder(TestTokens.RSA_KID, TestTokens.EC_KID);
        assertThat(material.keys().getKeys()).noneMatch(k -> k.isPrivate());
    }

    @Test
    void verifiesATokenEndToEndWithKeysFromTheApiServer() throws Exception {
        tokens.serveDiscovery(server);
        var verifier = new JwksTokenVerifier(new ApiServerKeySource(client, blocking),
                JwksTokenVerifier.Settings.defaults(), blocking, Clock.systemUTC(), Ticker.systemTicker(),
                new SimpleMeterRegistry());

        TokenClaims claims = verifier.verify(tokens.token("team-a", "web-0", "uid-p", "web", "uid-s"))
                .get(10, TimeUnit.SECONDS);

        assertThat(claims.serviceAccountName()).isEqualTo("web");
        assertThat(verifier.ready()).isTrue();
    }

    @Test
    void fetchesOnTheInjectedExecutorNotTheCallerThread() {
        tokens.serveDiscovery(server);
        var executor = new ManualExecutor();

        var load = new ApiServerKeySource(client, executor).load();

        assertThat(load).isNotDone();
        assertThat(server.getRequestCount()).isZero();
        executor.runAll();
        assertThat(load).isCompleted();
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void missingDiscoveryDocumentLeavesTheIssuerUnknown() throws Exception {
        server.expect().get().withPath(TestTokens.JWKS_PATH).andReturn(200, tokens.jwksJson()).always();

        KeyMaterial material = new ApiServerKeySource(client, blocking).load().get(10, TimeUnit.SECONDS);

        assertThat(material.issuer()).isNull();
        assertThat(material.keys().getKeys()).hasSize(2);
    }

    @Test
    void missingJwksFailsTheLoad() {
        var load = new ApiServerKeySource(client, blocking).load();

        assertThatThrownBy(() -> load.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("/openid/v1/jwks");
    }

    @Test
    void apiServerErrorMakesVerificationUnavailable() throws Exception {
        server.expect().get().withPath(TestTokens.JWKS_PATH).andReturn(500, "boom").always();
        var verifier = new JwksTokenVerifier(new ApiServerKeySource(client, blocking),
                JwksTokenVerifier.Settings.defaults(), blocking, Clock.systemUTC(), Ticker.systemTicker(),
                new SimpleMeterRegistry());

        var result = verifier.verify(tokens.builder().sign());

        assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        Failure failure = JwksTokenVerifierTest.failureOf(result);
        assertThat(failure).isInstanceOf(Failure.Unavailable.class);
        assertThat(failure.status()).isEqualTo(503);
    }

    @Test
    void garbageJwksFailsTheLoad() {
        server.expect().get().withPath(TestTokens.JWKS_PATH).andReturn(200, "<html>login</html>").always();

        var load = new ApiServerKeySource(client, blocking).load();

        assertThatThrownBy(() -> load.get(10, TimeUnit.SECONDS)).hasMessageContaining("not a JWK set");
    }
}
