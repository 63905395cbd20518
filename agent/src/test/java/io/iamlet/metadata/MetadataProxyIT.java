package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.testing.ManualTime;
import io.iamlet.testing.MetadataStandIn;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Everything outside iamlet's {@code iam/} routes, against a stand-in metadata service on loopback: allow-listed
 * paths pass with iamlet's own upstream token, nothing else does, and upstream trouble is a prompt 502/503.
 */
class MetadataProxyIT {

    private static final Duration UPSTREAM_TIMEOUT = Duration.ofMillis(500);

    private final ManualTime clock = new ManualTime();
    private final FakePods pods = new FakePods();
    private MetadataStandIn upstream;
    private MetadataListener listener;
    private ImdsClient pod;

    private void start(URI upstreamUri) {
        MetadataSettings settings = MetadataSettings.builder()
                .baseRoleArn("arn:aws:iam::123456789012:role/")
                .upstream(upstreamUri)
                .upstreamTimeout(UPSTREAM_TIMEOUT)
                .build();
        pods.add(FakePods.pod("team-a", "web", "127.0.0.1", Map.of()));
        listener = new MetadataListener(pods, ns -> CompletableFuture.completedFuture(
                NamespacePolicy.fromAnnotations(Map.of())), new FakeCredentialProvider(), settings, clock);
        pod = new ImdsClient(listener.endpoint());
    }

    private void start() throws IOException {
        upstream = MetadataStandIn.onLoopback();
        start(upstream.endpoint());
    }

    @AfterEach
    void stop() {
        if (pod != null) {
            pod.close();
        }
        if (listener != null) {
            listener.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void allowedPathPassesWithIamletsTokenAndNothingOfThePodsRequest() throws IOException {
        start();
        String podToken = pod.token();

        HttpResponse<String> reply = pod.get("/latest/meta-data/instance-id?x=1",
                TokenEndpoint.TOKEN_HEADER, podToken, "X-Forwarded-For", "203.0.113.9",
                "Authorization", "Bearer pod-secret", "Cookie", "session=pod-cookie");

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(MetadataStandIn.INSTANCE_ID);
        assertThat(reply.headers().firstValue("server")).contains("EC2ws");
        assertThat(upstream.received()).hasSize(2);
        MetadataStandIn.Received put = upstream.received().getFirst();
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.path()).isEqualTo("/latest/api/token");
        assertThat(put.header("x-aws-ec2-metadata-token-ttl-seconds")).isEqualTo("21600");
        MetadataStandIn.Received get = upstream.gets().getFirst();
        assertThat(get.path()).isEqualTo("/latest/meta-data/instance-id");
        assertThat(get.header("x-aws-ec2-metadata-token")).isEqualTo(upstream.issuedTokens().getFirst());
        for (MetadataStandIn.Received r : upstream.received()) {
            assertThat(r.headers()).doesNotContainKeys("x-forwarded-for", "authorization", "cookie");
            assertThat(r.headers().values()).allSatisfy(values -> assertThat(values)
                    .noneMatch(v -> v.contains(podToken) || v.contains("pod-secret") || v.contains("pod-cookie")));
        }
        assertThat(listener.count("iamlet.metadata.proxy.requests", "outcome", "allowed")).isEqualTo(1);
    }

    @Test
    void oneUpstreamTokenServesManyRequestsAndIsRenewedBeforeItExpires() throws IOException {
        start();
        for (String path : List.of("/latest/meta-data/instance-id", "/latest/meta-data/placement/region",
                "/latest/meta-data/placement/availability-zone")) {
            assertThat(pod.get(path).statusCode()).isEqualTo(200);
        }
        assertThat(upstream.issuedTokens()).hasSize(1);

        clock.advance(Duration.ofHours(6).minus(UpstreamMetadata.TOKEN_REFRESH_MARGIN).minusSeconds(1));
        assertThat(pod.get("/latest/meta-data/instance-id").statusCode()).isEqualTo(200);
        assertThat(upstream.issuedTokens()).hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(pod.get("/latest/meta-data/instance-id").statusCode()).isEqualTo(200);
        assertThat(upstream.issuedTokens()).hasSize(2);
        assertThat(upstream.gets().getLast().header("x-aws-ec2-metadata-token"))
                .isEqualTo(upstream.issuedTokens().get(1));
    }

    @Test
    void anUpstreamTokenRefusedWith401IsReplacedAndTheRequestRetriedOnce() throws IOException {
        start();
        assertThat(pod.get("/latest/meta-data/instance-id").statusCode()).isEqualTo(200);
        upstream.revokeTokens();

        HttpResponse<String> reply = pod.get("/latest/meta-data/instance-id");

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(upstream.issuedTokens()).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/latest/user-data",
            "/latest/user-data/",
            "/2021-07-15/user-data",
            "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
            "/latest/meta-data/iam/security-credentials/" + MetadataStandIn.NODE_ROLE,
            "/latest/meta-data/iam/security-credentials-extended/" + MetadataStandIn.NODE_ROLE,
            "/latest/meta-data/iam/info",
            "/latest/meta-data/iam/info/",
            "/latest/dynamic/instance-identity/pkcs7",
            "/latest/meta-data/placement/../../user-data",
            "/latest/meta-data/%2e%2e/user-data",
            "/latest/meta-data/public-keys/0/openssh-key",
            "/nothing/here"})
    void nothingOutsideTheAllowListReachesTheUpstream(String path) throws IOException {
        start();

        HttpResponse<String> reply = pod.get(path);

        assertThat(reply.statusCode()).isEqualTo(404);
        assertThat(reply.body()).doesNotContain("e2e-user-data-must-not-leak", MetadataStandIn.NODE_ACCESS_KEY_ID,
                "node-secret-must-not-leak", "node-session-token-must-not-leak", MetadataStandIn.NODE_ROLE);
        assertThat(upstream.gets()).isEmpty();
    }

    @Test
    void directoryListingsNameOnlyWhatAPodCanRead() throws IOException {
        start();

        HttpResponse<String> reply = pod.get("/latest/meta-data/");

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.body().split("\n")).contains("iam/", "instance-id", "placement/")
                .doesNotContain("identity-credentials/", "public-keys/");
        assertThat(pod.get("/latest/meta-data/iam/").body()).isEqualTo("info\nsecurity-credentials/");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void upstreamNotFoundStaysNotFound() throws IOException {
        start(upstreamWith("/latest/meta-data/instance-type"));

        assertThat(pod.get("/latest/meta-data/instance-type").statusCode()).isEqualTo(404);
        assertThat(upstream.gets()).hasSize(1);
    }

    @Test
    void upstreamDownIsAPromptServiceUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        start(URI.create("http://127.0.0.1:" + closedPort));

        long started = System.nanoTime();
        HttpResponse<String> reply = pod.get("/latest/meta-data/instance-id");

        assertThat(reply.statusCode()).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(listener.count("iamlet.metadata.proxy.requests", "outcome", "upstream_error")).isEqualTo(1);
    }

    @Test
    void aSlowUpstreamIsCutOffAtTheTimeout() throws IOException {
        start();
        assertThat(pod.get("/latest/meta-data/instance-id").statusCode()).isEqualTo(200); // token in hand
        upstream.holdGets();

        long started = System.nanoTime();
        HttpResponse<String> reply = pod.get("/latest/meta-data/instance-id");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(reply.statusCode()).isEqualTo(503);
        assertThat(took).isGreaterThanOrEqualTo(UPSTREAM_TIMEOUT).isLessThan(UPSTREAM_TIMEOUT.multipliedBy(4));
    }

    @Test
    void anUpstreamErrorIsABadGatewayThatHidesItsBody() throws IOException {
        start();
        upstream.failGetsWith(500);

        HttpResponse<String> reply = pod.get("/latest/meta-data/instance-id");

        assertThat(reply.statusCode()).isEqualTo(502);
        assertThat(reply.body()).doesNotContain("upstream trouble");
    }

    private URI upstreamWith(String missing) throws IOException {
        upstream = MetadataStandIn.onLoopback();
        upstream.withdraw(missing);
        return upstream.endpoint();
    }
}
