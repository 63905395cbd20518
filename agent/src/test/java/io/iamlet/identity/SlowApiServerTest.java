package io.iamlet.identity;

import static io.iamlet.identity.JwksTokenVerifierTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.testing.ManualTime;
import io.iamlet.testing.TestTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An API server that does not answer, with the pools wired as the agent wires them: API-server calls on a bounded
 * pool of their own, first-time token verification on another. Role lookups pile up and the overflow is refused at
 * once; token verification goes on.
 */
class SlowApiServerTest {

    final ManualTime time = new ManualTime(Instant.parse("2030-01-01T00:00:00Z"));
    final TestTokens tokens = TestTokens.standard().withClock(time);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final CountDownLatch apiServerAnswers = new CountDownLatch(1);
    /** One thread, one queued task: small, so that the test fills it. The agent's are larger, same kind. */
    final ThreadPoolExecutor apiCalls = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1));
    final ThreadPoolExecutor verification = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(16));

    @AfterEach
    void stop() {
        apiServerAnswers.countDown();
        apiCalls.shutdownNow();
        verification.shutdownNow();
    }

    @Test
    void tokensAreVerifiedAndTheOverflowIsRefusedWhileTheApiServerHangs() {
        var roles = new ServiceAccountRoleResolver((namespace, name) -> {
            try {
                apiServerAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }, ServiceAccountRoleResolver.Settings.defaults(), RoleArnAllowList.allowAll(), apiCalls, time, registry);
        var verifier = new JwksTokenVerifier(new FakeKeySource(tokens.issuer(), tokens.jwks()),
                JwksTokenVerifier.Settings.defaults(), verification, time, time, registry);

        CompletableFuture<String> running = roles.roleArnFor("team-a", "one");
        CompletableFuture<String> queued = roles.roleArnFor("team-a", "two");
        CompletableFuture<String> refused = roles.roleArnFor("team-a", "three");

        assertThat(failureOf(refused).reason()).as("refused at once, not queued behind the hung calls")
                .isEqualTo("overloaded");
        TokenClaims claims = verifier.verify(tokens.token("team-a", "web-0", "uid-p", "web", "uid-s"))
                .orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(claims.podName()).isEqualTo("web-0");
        assertThat(running).isNotDone();
        assertThat(queued).isNotDone();
    }
}
