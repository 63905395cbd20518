package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iamlet.testing.FakeStsCall;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prefetch with the real pieces: a pod created in the mock API server after iamlet started gets its credentials
 * from STS before it asks, so its first request makes no STS call; a pod its namespace does not allow its role is
 * never prefetched; pods listed before the namespaces are prefetched, by their namespace's policy, once the
 * namespaces are listed.
 */
class MetadataPrefetchIT {

    private static final String BATCH_ROLE = MetadataStack.BASE + "batch-a";
    private static final String ADMIN_ROLE = MetadataStack.BASE + "admin";

    private MetadataStack stack;
    private MetadataListener listener;

    @BeforeEach
    void start() throws Exception {
        stack = new MetadataStack();
        stack.namespace("shop", Map.of(NamespacePolicy.PERMITTED, "batch-.*"));
        listener = stack.listener(MetadataSettings.builder().baseRoleArn(MetadataStack.BASE));
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private List<FakeStsCall> assumeRoleCallsFor(String pod) {
        return stack.sts().calls("AssumeRole").stream()
                .filter(c -> pod.equals(c.tags().get("kubernetes-pod-name"))).toList();
    }

    @Test
    void aNewPodsFirstRequestIsServedWithoutAnStsCallOnItsPath() throws Exception {
        stack.start();
        stack.pod("shop", "rogue-1", "127.0.0.5", "admin");
        stack.pod("shop", "batch-1", "127.0.0.4", "batch-a");

        await().atMost(Duration.ofSeconds(30)).until(() -> assumeRoleCallsFor("batch-1").size() == 1);
        String prefetched = assumeRoleCallsFor("batch-1").getFirst().issuedAccessKeyId();
        assertThat(listener.audited).as("nothing was asked yet").isEmpty();
        int stsCalls = stack.sts().requestsReceived();

        try (var pod = new ImdsClient(listener.endpoint(), "127.0.0.4")) {
            HttpResponse<String> reply = pod.get("/latest/meta-data/iam/security-credentials/batch-a",
                    TokenEndpoint.TOKEN_HEADER, pod.token());

            assertThat(reply.statusCode()).isEqualTo(200);
            assertThat(JsonMapper.shared().readTree(reply.body()).get("AccessKeyId").asString()).isEqualTo(prefetched);
        }
        assertThat(stack.sts().requestsReceived()).isEqualTo(stsCalls);
        assertThat(stack.sts().keysIssuedFor(BATCH_ROLE)).containsExactly(prefetched);
        assertThat(stack.sts().keysIssuedFor(ADMIN_ROLE)).as("a denied pod is not prefetched").isEmpty();
        assertThat(assumeRoleCallsFor("rogue-1")).isEmpty();
        assertThat(listener.count("iamlet.metadata.prefetches", "outcome", "denied")).isEqualTo(1);
        assertThat(listener.count("iamlet.metadata.prefetches", "outcome", "started")).isEqualTo(1);
    }

    @Test
    void podsListedBeforeTheNamespacesArePrefetchedByTheirPolicyOnceTheNamespacesAreListed() throws Exception {
        stack.pod("shop", "rogue-1", "127.0.0.5", "admin");
        stack.pod("shop", "batch-1", "127.0.0.4", "batch-a");
        CompletableFuture<Void> namespacesListed = new CompletableFuture<>();

        // as the agent starts: the pod list may finish first; the prefetch listener waits for the namespaces
        stack.pods.start(namespacesListed).get(10, TimeUnit.SECONDS);
        assertThat(stack.pods.at("127.0.0.4")).as("indexed at once").isPresent();
        // longer than the stack's wait for the namespaces (2 s): a prefetch decided now would be refused by then
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                .until(() -> listener.registry.find("iamlet.metadata.prefetches").counters().stream()
                        .allMatch(c -> c.count() == 0));
        stack.namespaces.start().get(10, TimeUnit.SECONDS);
        namespacesListed.complete(null);

        await().atMost(Duration.ofSeconds(30)).until(() -> assumeRoleCallsFor("batch-1").size() == 1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> listener.count("iamlet.metadata.prefetches", "outcome", "denied") == 1);
        assertThat(assumeRoleCallsFor("rogue-1")).as("its namespace does not permit its role").isEmpty();
        assertThat(listener.count("iamlet.metadata.prefetches", "outcome", "started")).isEqualTo(1);
        assertThat(listener.count("iamlet.metadata.prefetches", "outcome", "failed")).isZero();
    }
}
