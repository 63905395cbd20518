package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.testing.ManualTime;
import io.iamlet.testing.MetadataStandIn;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * iamlet's IMDSv2 tokens over real sockets: the status codes SDKs branch on (400 only for a bad TTL, 403 for a
 * proxied PUT, 401 for a bad token), address binding (127.0.0.2 stands for another pod) and expiry on a fake clock.
 */
class MetadataTokenIT {

    private static final String ROLE_LIST = "/latest/meta-data/iam/security-credentials/";
    private static final String ROLE = "arn:aws:iam::123456789012:role/app-reader";

    private final ManualTime clock = new ManualTime();
    private final FakePods pods = new FakePods();
    private MetadataStandIn upstream;
    private MetadataListener listener;
    private ImdsClient pod;

    private void start(boolean v2Required) throws IOException {
        upstream = MetadataStandIn.onLoopback();
        pods.add(FakePods.pod("team-a", "web", "127.0.0.1", Map.of("iam.amazonaws.com/role", ROLE)));
        pods.add(FakePods.pod("team-b", "other", "127.0.0.2", Map.of("iam.amazonaws.com/role", ROLE)));
        MetadataSettings settings = MetadataSettings.builder().imdsv2Required(v2Required)
                .namespaceRestrictions(false).upstream(upstream.endpoint()).build();
        listener = new MetadataListener(pods, ns -> CompletableFuture.failedFuture(new IllegalStateException()),
                new FakeCredentialProvider(), settings, clock);
        pod = new ImdsClient(listener.endpoint());
    }

    @AfterEach
    void stop() {
        pod.close();
        listener.close();
        upstream.close();
    }

    @Test
    void issuesATokenEchoingItsTtlWithoutATrailingNewline() throws IOException {
        start(false);

        HttpResponse<String> reply = pod.put("/latest/api/token", TokenEndpoint.TTL_HEADER, "300");

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.headers().firstValue(TokenEndpoint.TTL_HEADER)).contains("300");
        assertThat(reply.headers().firstValue("server")).contains("EC2ws");
        assertThat(reply.body()).isNotBlank().doesNotEndWith("\n").doesNotContain(" ");
        assertThat(pod.get(ROLE_LIST, TokenEndpoint.TOKEN_HEADER, reply.body()).body()).isEqualTo("app-reader");
        assertThat(listener.count("iamlet.metadata.tokens.issued")).isEqualTo(1);
        assertThat(upstream.received()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "21601", "-5", "garbage", "1.5", "60s"}) // (HTTP strips spaces around a value)
    void refusesATokenRequestWithABadTtl(String ttl) throws IOException {
        start(false);

        HttpResponse<String> reply = ttl.isEmpty() ? pod.put("/latest/api/token")
                : pod.put("/latest/api/token", TokenEndpoint.TTL_HEADER, ttl);

        assertThat(reply.statusCode()).isEqualTo(400);
        assertThat(listener.count("iamlet.metadata.tokens.issued")).isZero();
    }

    @Test
    void refusesATokenRequestThatWentThroughAProxy() throws IOException {
        start(false);

        HttpResponse<String> reply = pod.put("/latest/api/token", TokenEndpoint.TTL_HEADER, "21600",
                "X-Forwarded-For", "10.0.0.9");

        assertThat(reply.statusCode()).isEqualTo(403);
        assertThat(listener.count("iamlet.metadata.token.refusals", "reason", "forwarded")).isEqualTo(1);
    }

    @Test
    void aTokenFromAnotherSourceAddressIsRefused() throws IOException {
        start(false);
        String stolen = pod.token();

        try (ImdsClient other = new ImdsClient(listener.endpoint(), "127.0.0.2")) {
            assertThat(other.get(ROLE_LIST, TokenEndpoint.TOKEN_HEADER, stolen).statusCode()).isEqualTo(401);
            assertThat(other.get(ROLE_LIST, TokenEndpoint.TOKEN_HEADER, other.token()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anExpiredTokenIsRefusedAndANewOneWorks() throws IOException {
        start(false);
        String token = pod.put("/latest/api/token", TokenEndpoint.TTL_HEADER, "60").body();
        assertThat(pod.get(ROLE_LIST, TokenEndpoint.TOKEN_HEADER, token).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(60));

        assertThat(pod.get(ROLE_LIST, TokenEndpoint.TOKEN_HEADER, token).statusCode()).isEqualTo(401);
        assertThat(pod.get(ROLE_LIST, TokenEndpoint.TOKEN_HEADER, pod.token()).statusCode()).isEqualTo(200);
        assertThat(listener.count("iamlet.metadata.token.refusals", "reason", "expired")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not-a-token", "AQAAAAAAAAAAAAAAAAAAAAA.AAAA"})
    void aBadTokenIsRefusedOnEveryGet(String token) throws IOException {
        start(false);

        for (String path : new String[] {ROLE_LIST, ROLE_LIST + "app-reader", "/latest/meta-data/iam/info",
                "/latest/meta-data/instance-id", "/latest/meta-data/", "/latest/meta-data/nothing"}) {
            assertThat(pod.get(path, TokenEndpoint.TOKEN_HEADER, token).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void imdsV1IsServedWhenV2IsNotRequired() throws IOException {
        start(false);

        assertThat(pod.get(ROLE_LIST).body()).isEqualTo("app-reader");
        assertThat(pod.get("/latest/meta-data/instance-id").body()).isEqualTo(MetadataStandIn.INSTANCE_ID);
    }

    @Test
    void imdsV1IsRefusedWhenV2IsRequired() throws IOException {
        start(true);

        for (String path : new String[] {ROLE_LIST, ROLE_LIST + "app-reader", "/latest/meta-data/instance-id"}) {
            assertThat(pod.get(path).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(pod.get(ROLE_LIST, TokenEndpoint.TOKEN_HEADER, pod.token()).body()).isEqualTo("app-reader");
        assertThat(listener.count("iamlet.metadata.token.refusals", "reason", "imdsv1_refused")).isEqualTo(3);
        assertThat(upstream.gets()).isEmpty();
    }

    @Test
    void otherMethodsOnTheTokenPathAreNotAllowed() throws IOException {
        start(false);

        assertThat(pod.get("/latest/api/token").statusCode()).isEqualTo(405);
    }
}
