package io.iamlet.identity;

import static io.iamlet.identity.JwksTokenVerifierTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link ServiceAccountRoleResolver}'s handling of failures and of a full API-server pool, with the API call faked
 * (no socket). Against fabric8's mock API server: {@link ServiceAccountRoleResolverIT}.
 */
class ServiceAccountRoleResolverTest {

    static final String ROLE = "arn:aws:iam::111122223333:role/team-a/web";

    final ManualTime time = new ManualTime(Instant.parse("2030-01-01T00:00:00Z"));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ScriptedApiServer api = new ScriptedApiServer();
    final ManualExecutor apiPool = new ManualExecutor();

    /** Answers in the order scripted, the last answer for ever after; counts the calls. */
    static final class ScriptedApiServer implements ServiceAccountRoleResolver.ServiceAccounts {
        private final Deque<Supplier<ServiceAccount>> answers = new ArrayDeque<>();
        final AtomicInteger calls = new AtomicInteger();

        ScriptedApiServer then(Supplier<ServiceAccount> answer) {
            answers.add(answer);
            return this;
        }

        @Override
        public synchronized ServiceAccount get(String namespace, String name) {
            calls.incrementAndGet();
            return (answers.size() > 1 ? answers.poll() : answers.peek()).get();
        }
    }

    static ServiceAccount annotated(String role) {
        return new ServiceAccountBuilder().withNewMetadata().withNamespace("team-a").withName("web")
                .withAnnotations(Map.of("eks.amazonaws.com/role-arn", role)).endMetadata().build();
    }

    static ServiceAccount down() {
        throw new KubernetesClientException("etcd is down");
    }

    ServiceAccountRoleResolver resolver(Executor pool) {
        return new ServiceAccountRoleResolver(api, ServiceAccountRoleResolver.Settings.defaults(),
                RoleArnAllowList.allowAll(), pool, time, registry);
    }

    @Test
    void anApiErrorIs503ForEveryCallerThatWaitedForItAndTheNextCallerAsksAgain() {
        api.then(ServiceAccountRoleResolverTest::down).then(() -> annotated(ROLE));
        var resolver = resolver(apiPool);
        CompletableFuture<String> first = resolver.roleArnFor("team-a", "web");
        CompletableFuture<String> second = resolver.roleArnFor("team-a", "web");

        apiPool.runAll();

        assertThat(api.calls).hasValue(1);
        assertThat(failureOf(first)).isInstanceOf(Failure.Unavailable.class)
                .extracting(Failure::reason).isEqualTo("apiserver_unavailable");
        assertThat(failureOf(second).reason()).isEqualTo("apiserver_unavailable");
        CompletableFuture<String> third = resolver.roleArnFor("team-a", "web");
        apiPool.runAll();
        assertThat(third).isCompletedWithValue(ROLE);
        assertThat(api.calls).hasValue(2);
    }

    @Test
    void aFullApiPoolIsAPrompt503() {
        api.then(() -> annotated(ROLE));
        Executor full = task -> {
            throw new RejectedExecutionException("queue full");
        };

        Failure failure = failureOf(resolver(full).roleArnFor("team-a", "web"));

        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.reason()).isEqualTo("overloaded");
        assertThat(api.calls).hasValue(0);
        assertThat(registry.get("iamlet.role.resolutions").tag("outcome", "unavailable").tag("reason", "overloaded")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void failedLookupsLeaveNothingOnStderr() {
        api.then(ServiceAccountRoleResolverTest::down);
        try (var caffeine = new CaffeineLog()) {
            var resolver = resolver(Runnable::run);

            failureOf(resolver.roleArnFor("team-a", "web"));
            failureOf(resolver(task -> {
                throw new RejectedExecutionException("queue full");
            }).roleArnFor("team-a", "web"));

            assertThat(caffeine.messages()).isEmpty();
        }
    }

    @Test
    void aFailedRefreshKeepsTheLastAnswerQuietlyAndTriesAgainAfterTheInterval() {
        String newRole = "arn:aws:iam::111122223333:role/team-a/web-v2";
        api.then(() -> annotated(ROLE)).then(ServiceAccountRoleResolverTest::down).then(() -> annotated(newRole));
        var resolver = resolver(Runnable::run);
        assertThat(resolver.roleArnFor("team-a", "web")).isCompletedWithValue(ROLE);

        try (var caffeine = new CaffeineLog()) {
            time.advance(Duration.ofSeconds(61));
            assertThat(resolver.roleArnFor("team-a", "web")).isCompletedWithValue(ROLE); // refresh fails
            assertThat(resolver.roleArnFor("team-a", "web")).isCompletedWithValue(ROLE);
            assertThat(api.calls).as("no new call at every request while the API server is down").hasValue(2);
            assertThat(caffeine.messages()).isEmpty();
        }

        time.advance(Duration.ofSeconds(61));
        resolver.roleArnFor("team-a", "web"); // starts the next refresh

        assertThat(resolver.roleArnFor("team-a", "web")).isCompletedWithValue(newRole);
        assertThat(registry.get("iamlet.serviceaccount.fetches").tag("result", "error").counter().count())
                .isEqualTo(1);
    }

    @Test
    void theLookupRunsOnTheApiPoolNeverOnTheCallersThread() {
        api.then(() -> annotated(ROLE));

        CompletableFuture<String> arn = resolver(apiPool).roleArnFor("team-a", "web");

        assertThat(arn).isNotDone();
        assertThat(api.calls).hasValue(0);
        apiPool.runAll();
        assertThat(arn).isCompletedWithValue(ROLE);
    }
}
