package io.iamlet.identity;

import static io.iamlet.identity.JwksTokenVerifierTest.T0;
import static io.iamlet.identity.JwksTokenVerifierTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.iamlet.testing.TestTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/** Key loading, refresh, rate limiting, caching and unavailability of {@link JwksTokenVerifier}. */
class JwksKeyRefreshTest {

    final ManualTime time = new ManualTime(T0);
    final TestTokens tokens = TestTokens.standard().withClock(time);
    final TestTokens rotated = tokens.withNewRsaKey("rsa-2");
    final FakeKeySource keySource = new FakeKeySource(tokens.issuer(), tokens.jwks());
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    JwksTokenVerifier verifier(Executor executor) {
        return verifier(executor, JwksTokenVerifier.Settings.defaults());
    }

    JwksTokenVerifier verifier(Executor executor, JwksTokenVerifier.Settings settings) {
        return new JwksTokenVerifier(keySource, settings, executor, time, time, registry);
    }

    @Test
    void unknownKeyIdTriggersOneRefreshThenIsAccepted() {
        var verifier = verifier(Runnable::run);
        verifier.verify(tokens.builder().sign()).join();
        assertThat(keySource.loads()).isEqualTo(1);

        keySource.serve(rotated.jwks());            // the cluster rotates its signing key
        time.advance(Duration.ofSeconds(30));
        var claims = verifier.verify(rotated.builder().signingKey("rsa-2").sign());

        assertThat(claims).isCompleted();
        assertThat(keySource.loads()).isEqualTo(2);
        assertThat(registry.get("iamlet.jwks.refreshes").tag("trigger", "unknown_key").tag("result", "success")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void unknownKeyIdsCannotForceMoreThanOneRefreshPerInterval() {
        var verifier = verifier(Runnable::run);
        verifier.verify(tokens.builder().sign()).join();
        time.advance(Duration.ofSeconds(30));

        for (int i = 0; i < 20; i++) {
            var failure = failureOf(verifier.verify(tokens.builder().keyId("made-up-" + i).sign()));
            assertThat(failure.reason()).isEqualTo("unknown_key");
            time.advance(Duration.ofSeconds(1));
        }
        assertThat(keySource.loads()).as("initial load + one refresh in 20 s").isEqualTo(2);

        time.advance(Duration.ofSeconds(11));       // 30 s after the refresh
        keySource.serve(rotated.jwks());
        assertThat(verifier.verify(rotated.builder().signingKey("rsa-2").sign())).isCompleted();
        assertThat(keySource.loads()).isEqualTo(3);
    }

    @Test
    void tokenSeenBeforeCompletesSynchronouslyWithoutAnyWork() {
        var executor = new ManualExecutor();
        var verifier = verifier(executor);
        String token = tokens.builder().sign();

        CompletableFuture<TokenClaims> first = verifier.verify(token);
        assertThat(first).isNotDone();
        executor.runAll();
        assertThat(first).isCompleted();
        int tasksForFirst = executor.executed();

        CompletableFuture<TokenClaims> second = verifier.verify(token);

        assertThat(second).isCompletedWithValue(first.join());
        assertThat(executor.pending()).isZero();
        assertThat(executor.executed()).isEqualTo(tasksForFirst);
        assertThat(keySource.loads()).isEqualTo(1);
    }

    @Test
    void callersCannotTamperWithTheCachedResult() {
        var verifier = verifier(Runnable::run);
        String token = tokens.builder().sign();
        verifier.verify(token).obtrudeException(new IllegalStateException("caller mischief"));

        assertThat(verifier.verify(token)).isCompleted();
    }

    @Test
    void cachedVerificationEndsWhenTheTokenExpires() {
        var verifier = verifier(Runnable::run);
        String token = tokens.builder().lifetime(Duration.ofMinutes(10)).sign();
        verifier.verify(token).join();

        time.advance(Duration.ofMinutes(10).plusSeconds(61));

        assertThat(failureOf(verifier.verify(token)).reason()).isEqualTo("token_expired");
    }

    @Test
    void unreachableKeysAnswerServiceUnavailable() {
        keySource.goUnreachable();
        var verifier = verifier(Runnable::run);
        String token = tokens.builder().sign();

        Failure failure = failureOf(verifier.verify(token));

        assertThat(failure).isInstanceOf(Failure.Unavailable.class);
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.reason()).isEqualTo("jwks_unavailable");
        JwksTokenVerifierTest.assertRevealsNothingOf(token, failure);
        assertThat(verifier.ready()).isFalse();
        assertThat(registry.get("iamlet.token.verifications").tag("outcome", "unavailable").counter().count())
                .isEqualTo(1);
    }

    @Test
    void failedLoadIsRetriedAfterAShortWaitNotOnEveryRequest() {
        keySource.goUnreachable();
        var verifier = verifier(Runnable::run);
        String token = tokens.builder().sign();
        failureOf(verifier.verify(token));
        failureOf(verifier.verify(token));
        assertThat(keySource.loads()).isEqualTo(1);

        keySource.serve(tokens.jwks());
        time.advance(Duration.ofSeconds(2));

        assertThat(verifier.verify(token)).isCompleted();
        assertThat(keySource.loads()).isEqualTo(2);
    }

    @Test
    void knownKeysSurviveAFailedRefresh() {
        var verifier = verifier(Runnable::run);
        verifier.verify(tokens.builder().sign()).join();
        keySource.goUnreachable();
        time.advance(Duration.ofMinutes(11));

        verifier.maintain();

        assertThat(keySource.loads()).isEqualTo(2);
        assertThat(verifier.ready()).isTrue();
        assertThat(verifier.verify(tokens.builder().namespace("other").sign())).isCompleted();
    }

    @Test
    void startLoadsKeysAtOnceAndSchedulesMaintenance() {
        var scheduler = new ScheduledThreadPoolExecutor(1);
        try (var verifier = verifier(Runnable::run)) {
            CompletableFuture<Void> started = verifier.start(scheduler, Duration.ofMinutes(1));

            assertThat(started).isCompleted();
            assertThat(verifier.ready()).isTrue();
            assertThat(keySource.loads()).isEqualTo(1);
            assertThat(scheduler.getQueue()).hasSize(1);
            verifier.close();
            assertThat(scheduler.getQueue()).allMatch(task -> ((Future<?>) task).isCancelled());
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void startReportsAFailedFirstLoad() {
        keySource.goUnreachable();
        var scheduler = Executors.newSingleThreadScheduledExecutor();
        try (var verifier = verifier(Runnable::run)) {
            assertThat(failureOf(verifier.start(scheduler, Duration.ofMinutes(1))).reason())
                    .isEqualTo("jwks_unavailable");
            assertThat(verifier.ready()).isFalse();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void readyOnlyOnceKeysAreLoaded() {
        keySource.goUnreachable();
        var verifier = verifier(Runnable::run);
        verifier.maintain();
        assertThat(verifier.ready()).isFalse();

        keySource.serve(tokens.jwks());
        time.advance(Duration.ofSeconds(2));
        verifier.maintain();

        assertThat(verifier.ready()).isTrue();
    }

    @Test
    void maintenanceRefreshesKeysOlderThanTheirMaximumAge() {
        var verifier = verifier(Runnable::run);
        verifier.maintain();
        time.advance(Duration.ofMinutes(5));
        verifier.maintain();
        assertThat(keySource.loads()).isEqualTo(1);

        time.advance(Duration.ofMinutes(6));
        verifier.maintain();

        assertThat(keySource.loads()).isEqualTo(2);
    }

    @Test
    void aSigningKeyRemovedFromTheJwksStopsWorkingForCachedTokens() {
        keySource.serve(rotated.jwks());
        var verifier = verifier(Runnable::run);
        String token = rotated.builder().signingKey("rsa-2").sign();
        verifier.verify(token).join();

        keySource.serve(tokens.jwks());              // rsa-2 revoked
        time.advance(Duration.ofMinutes(11));
        verifier.maintain();

        assertThat(failureOf(verifier.verify(token)).reason()).isEqualTo("unknown_key");
        assertThat(verifier.verify(tokens.builder().sign())).isCompleted();
    }

    @Test
    void issuerOverrideIsRequiredWhenTheClusterPublishesNone() {
        keySource.serve(null, tokens.jwks());
        var plain = verifier(Runnable::run);
        var overridden = verifier(Runnable::run,
                JwksTokenVerifier.Settings.defaults().withIssuerOverride(TestTokens.DEFAULT_ISSUER));

        assertThat(failureOf(plain.verify(tokens.builder().sign())).reason()).isEqualTo("issuer_unknown");
        assertThat(plain.ready()).isFalse();
        assertThat(overridden.verify(tokens.builder().sign())).isCompleted();
        assertThat(overridden.ready()).isTrue();
    }

    @Test
    void issuerOverrideWinsOverTheDiscoveredIssuer() {
        var verifier = verifier(Runnable::run,
                JwksTokenVerifier.Settings.defaults().withIssuerOverride("https://oidc.example/id/ABC"));

        assertThat(failureOf(verifier.verify(tokens.builder().sign())).reason()).isEqualTo("wrong_issuer");
        assertThat(verifier.verify(tokens.builder().issuer("https://oidc.example/id/ABC").sign())).isCompleted();
    }
}
