package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iamlet.testing.MetadataStandIn;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code --auto-discover-base-arn} end to end: pods annotated with a bare role name, the metadata listener, the
 * credential cache over the STS stand-in, and the upstream stand-in whose instance profile (account 111122223333)
 * gives the base. Pod 127.0.0.1 names {@code web}; pod 127.0.0.2 names the full ARN of {@code web}.
 */
class MetadataBaseDiscoveryIT {

    private static final String WEB_ROLE = MetadataStack.BASE + "web";
    private static final String OTHER_BASE = "arn:aws:iam::444455556666:role/";
    private static MetadataStack stack;
    private static MetadataListener discovering;
    private static MetadataListener upstreamDown;
    private static MetadataListener explicit;

    @BeforeAll
    static void start() throws Exception {
        stack = new MetadataStack();
        // "web" is relative to the base in force; the full ARN matches with no base at all
        stack.namespace("shop", Map.of(NamespacePolicy.ALLOWED_ROLES, "[\"web\", \"" + WEB_ROLE + "\"]"));
        stack.pod("shop", "web-1", "127.0.0.1", "web");
        stack.pod("shop", "web-2", "127.0.0.2", WEB_ROLE);
        discovering = stack.listener(MetadataSettings.builder().autoDiscoverBaseArn(true));
        URI down;
        try (MetadataStandIn gone = MetadataStandIn.onLoopback()) {
            down = gone.endpoint();
        }
        upstreamDown = stack.listener(MetadataSettings.builder().autoDiscoverBaseArn(true), down);
        explicit = stack.listener(MetadataSettings.builder().autoDiscoverBaseArn(true).baseRoleArn(OTHER_BASE));
        stack.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> discovering.baseRoleArn.get() != null);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static HttpResponse<String> credentials(MetadataListener listener, String sourceIp, String role) {
        try (var pod = new ImdsClient(listener.endpoint(), sourceIp)) {
            return pod.get(IamRoutes.CREDENTIALS + role);
        }
    }

    private static String roleOfKey(HttpResponse<String> reply) {
        JsonNode body = JsonMapper.shared().readTree(reply.body());
        return stack.sts().roleOf(body.get("AccessKeyId").asString()).orElseThrow();
    }

    @Test
    void aBareRoleNameGetsThatRoleInTheNodesAccount() {
        HttpResponse<String> name;
        try (var pod = new ImdsClient(discovering.endpoint(), "127.0.0.1")) {
            name = pod.get(IamRoutes.CREDENTIALS);
        }
        HttpResponse<String> reply = credentials(discovering, "127.0.0.1", "web");

        assertThat(name.body()).isEqualTo("web");
        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(roleOfKey(reply)).isEqualTo(WEB_ROLE);
    }

    @Test
    void withTheUpstreamDownABareRoleNameIsRefusedAndAFullArnStillServed() {
        HttpResponse<String> bare = credentials(upstreamDown, "127.0.0.1", "web");
        HttpResponse<String> full = credentials(upstreamDown, "127.0.0.2", "web");

        assertThat(bare.statusCode()).isEqualTo(403);
        assertThat(upstreamDown.audited).filteredOn(e -> "web-1".equals(e.pod()))
                .isNotEmpty().allSatisfy(e -> assertThat(e.reason()).isEqualTo("no_base_arn"));
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(roleOfKey(full)).isEqualTo(WEB_ROLE);
        assertThat(upstreamDown.baseRoleArn.get()).isNull();
    }

    @Test
    void anExplicitBaseRoleArnWinsOverTheInstanceProfile() {
        HttpResponse<String> reply = credentials(explicit, "127.0.0.1", "web");

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(roleOfKey(reply)).isEqualTo(OTHER_BASE + "web");
        // only the discovering listener asked for the node's instance profile
        assertThat(stack.upstream.gets()).filteredOn(r -> BaseArnDiscovery.PATH.equals(r.path())).hasSize(1);
    }
}
