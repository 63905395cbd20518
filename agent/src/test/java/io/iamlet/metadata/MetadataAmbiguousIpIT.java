package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.testing.TestPods;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two live pods claiming one IP on the metadata path, where the address is the only credential: iamlet does not
 * guess which of them is asking. Both the role listing and the credentials answer a retryable 503 until one claim
 * remains, then the remaining pod is served.
 */
class MetadataAmbiguousIpIT {

    private static final String IP = "127.0.0.31";

    private MetadataStack stack;
    private MetadataListener listener;

    @BeforeEach
    void start() throws Exception {
        stack = new MetadataStack();
        stack.namespace("shop", Map.of(NamespacePolicy.PERMITTED, "batch-.*"));
        listener = stack.listener(MetadataSettings.builder().baseRoleArn(MetadataStack.BASE));
        stack.start();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    @Test
    void anIpClaimedByTwoLivePodsIsRefusedRetryablyUntilOneIsGone() {
        stack.pod("shop", "batch-1", IP, "batch-a");
        Pod second = stack.pod("shop", "batch-2", IP, "batch-b");
        await().atMost(Duration.ofSeconds(10)).until(() -> stack.pods.pods().size() == 2);

        try (var pod = new ImdsClient(listener.endpoint(), IP)) {
            String token = pod.token();
            HttpResponse<String> list = pod.get("/latest/meta-data/iam/security-credentials/",
                    TokenEndpoint.TOKEN_HEADER, token);
            HttpResponse<String> credentials = pod.get("/latest/meta-data/iam/security-credentials/batch-a",
                    TokenEndpoint.TOKEN_HEADER, token);

            assertThat(list.statusCode()).isEqualTo(503);
            assertThat(credentials.statusCode()).isEqualTo(503);
            assertThat(credentials.body()).contains("\"Code\":\"ServiceUnavailable\"")
                    .contains("more than one running pod");
            assertThat(listener.count("iamlet.metadata.denials", "reason", "ip_ambiguous")).isEqualTo(2);
            assertThat(stack.registry.get("iamlet.pod.lookups").tag("outcome", "ambiguous").counter().count())
                    .isEqualTo(2);

            TestPods.delete(stack.standIns.client(), second);
            HttpResponse<String> settled = pod.get("/latest/meta-data/iam/security-credentials/",
                    TokenEndpoint.TOKEN_HEADER, token);

            assertThat(settled.statusCode()).isEqualTo(200);
            assertThat(settled.body()).isEqualTo("batch-a");
        }
    }
}
