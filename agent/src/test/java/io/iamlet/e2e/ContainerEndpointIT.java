package io.iamlet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.Agent;
import io.iamlet.config.ServeOptions;
import io.iamlet.pods.PodSelector;
import io.iamlet.testing.FakeStsCall;
import io.iamlet.testing.StandIns;
import io.iamlet.testing.TestPods;
import io.iamlet.metrics.Metrics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * The container endpoint end to end, in one JVM: the real AWS SDK for Java v2 {@code ContainerCredentialsProvider}
 * (full URI on loopback, projected token file) against iamlet's Agent, the fabric8 mock API server holding the
 * pods and service accounts, and the STS stand-in that verifies requests and answers in STS's XML. Pods are played
 * by loopback source addresses: 127.0.0.1 is the SDK's, 127.0.0.2 and up are raw sockets bound to them.
 */
class ContainerEndpointIT {

    private static final String NODE = TestPods.NODE;
    private static final String WEB_ROLE = "arn:aws:iam::111122223333:role/web";
    private static final String BATCH_ROLE = "arn:aws:iam::111122223333:role/batch";
    private static final Duration UNKNOWN_IP_WAIT = Duration.ofMillis(300);

    private static StandIns standIns;
    private static Agent agent;
    private static InetSocketAddress endpoint;
    private static Pod web;
    private static LogCapture logs;
    private static Metrics metrics;
    /** web-1's one projected token: every test of web-1 uses it, as the pod would until kubelet rotates it. */
    private static String webToken;
    /** --request-deadline, the default: the longest a pod waits for any answer. */
    private static Duration deadline;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        logs = new LogCapture();
        standIns = StandIns.start();
        standIns.serviceAccount("shop", "web", WEB_ROLE);
        standIns.serviceAccount("shop", "batch", BATCH_ROLE);
        standIns.serviceAccount("shop", "plain", null);
        web = standIns.runningPod("shop", "web-1", "web", NODE, "127.0.0.1");
        webToken = standIns.tokenFor(web);
        var config = ServeOptions.parse(Map.of(),
                "--node-name", NODE,
                "--container-listen", "127.0.0.1:0",
                "--probe-listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0",
                "--sts-endpoint", standIns.sts().endpoint().toString(),
                "--unknown-ip-wait", UNKNOWN_IP_WAIT.toMillis() + "ms");
        deadline = config.faults().requestDeadline();
        agent = Agent.start(config, new Agent.Wiring(standIns.client(), PodSelector.clientSideOnly(NODE),
                "us-east-1", null, metrics = Metrics.create()));
        agent.podsSynced().orTimeout(30, TimeUnit.SECONDS).join();
        endpoint = agent.bound("container").getFirst().toSocketAddress();
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (standIns != null) {
            standIns.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        logs.close();
    }

    @AfterEach
    void clearSdkSettings() {
        System.clearProperty("aws.containerCredentialsFullUri");
        System.clearProperty("aws.containerAuthorizationTokenFile");
    }

    private ContainerCredentialsProvider sdkWithTokenFile(String token) throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, token); // projected tokens end without a newline
        System.setProperty("aws.containerCredentialsFullUri",
                "http://127.0.0.1:" + endpoint.getPort() + "/v1/credentials");
        System.setProperty("aws.containerAuthorizationTokenFile", file.toString());
        return ContainerCredentialsProvider.builder().build();
    }

    @Test
    void sdkObtainsTheServiceAccountsRoleWithItsOwnToken() throws Exception {
        String token = webToken;
        try (var provider = sdkWithTokenFile(token)) {
            var credentials = (AwsSessionCredentials) provider.resolveCredentials();

            assertThat(standIns.sts().roleOf(credentials.accessKeyId())).contains(WEB_ROLE);
            assertThat(credentials.expirationTime()).hasValueSatisfying(expiry ->
                    assertThat(expiry).isAfter(Instant.now().plus(Duration.ofMinutes(45))));
            FakeStsCall call = standIns.sts().calls("AssumeRoleWithWebIdentity").stream()
                    .filter(c -> credentials.accessKeyId().equals(c.issuedAccessKeyId())).findFirst().orElseThrow();
            assertThat(call.authorizationHeader()).as("web identity calls are unsigned").isFalse();
            assertThat(call.tokenSha256()).as("STS saw the pod's own token").isEqualTo(sha256(token));
            assertThat(call.sessionName()).isEqualTo("shop.web");
        }
    }

    @Test
    void concurrentFirstRequestsShareOneStsCall() {
        Pod batch = standIns.runningPod("shop", "batch-1", "batch", NODE, "127.0.0.4");
        String token = standIns.tokenFor(batch);
        await(batch);
        int before = standIns.sts().calls("AssumeRoleWithWebIdentity").size();
        List<CompletableFuture<RawHttp.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // threads of their own, not the common pool: the agent's API client (the JDK's HTTP client) completes its
            // responses there, and 30 blocked requests would starve the service-account lookup they wait for
            replies.add(CompletableFuture.supplyAsync(() -> get("127.0.0.4", token),
                    task -> Thread.ofVirtual().start(task)));
        }
        var keys = replies.stream().map(CompletableFuture::join).peek(r -> assertThat(r.status()).isEqualTo(200))
                .map(r -> r.body().replaceAll(".*\"AccessKeyId\":\"([^\"]+)\".*", "$1")).distinct().toList();
        assertThat(keys).hasSize(1);
        assertThat(standIns.sts().roleOf(keys.getFirst())).contains(BATCH_ROLE);
        assertThat(standIns.sts().calls("AssumeRoleWithWebIdentity")).hasSize(before + 1);
    }

    @Test
    void tokenReplayedFromAnotherPodIsRefused() {
        Pod other = standIns.runningPod("shop", "web-2", "web", NODE, "127.0.0.2");
        await(other);
        String tokenOfWeb1 = webToken;

        RawHttp.Reply reply = get("127.0.0.2", tokenOfWeb1);

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.body()).contains("\"code\":\"AccessDenied\"").contains("\"Code\":\"AccessDenied\"")
                .contains("not issued to the pod at this source address").doesNotContain(tokenOfWeb1);
        assertThat(logs.lines()).anySatisfy(line -> assertThat(line).startsWith("iamlet.audit")
                .contains("outcome=denied").contains("reason=pod_mismatch").contains("source_ip=127.0.0.2")
                .contains("pod=web-2"));
    }

    @Test
    void sdkReportsTheRefusalOfATokenOfAnotherPod() throws Exception {
        Pod other = standIns.runningPod("shop", "web-3", "web", NODE, "127.0.0.3");
        await(other); // a pod iamlet knows at another address: refused, not "not yet known"
        try (var provider = sdkWithTokenFile(standIns.tokenFor(other))) {
            // iamlet's answer reached the SDK, status and message: not a connection failure, not a retry
            assertThatThrownBy(provider::resolveCredentials).isInstanceOf(SdkClientException.class)
                    .cause().isInstanceOf(SdkServiceException.class)
                    .hasMessage("the token was not issued to the pod at this source address")
                    .satisfies(e -> assertThat(((SdkServiceException) e).statusCode()).isEqualTo(403));
        }
    }

    @Test
    void serviceAccountWithoutRoleIsRefusedNamingTheAnnotation() {
        Pod plain = standIns.runningPod("shop", "plain-1", "plain", NODE, "127.0.0.5");
        await(plain);
        RawHttp.Reply reply = get("127.0.0.5", standIns.tokenFor(plain));
        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.body()).contains("eks.amazonaws.com/role-arn");
    }

    /**
     * What the pod sees: a retryable 503, not before the bounded wait (300 ms here) and within the request deadline
     * (+0.5 s of tolerance). The wait itself is tested on a fake clock in InformerPodIndexTest.
     */
    @Test
    void podNotSeenYetGets503AfterTheBoundedWait() {
        // A valid token of a pod the index has never seen, from an address no pod has: a pod that has just started.
        String unseen = standIns.tokens().token("shop", "web-9", java.util.UUID.randomUUID().toString(), "web",
                "sa-uid-web");
        long start = System.nanoTime();
        RawHttp.Reply reply = get("127.0.0.99", unseen);
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.body()).contains("\"Code\":\"ServiceUnavailable\"")
                .contains("\"code\":\"ServiceUnavailable\"");
        assertThat(millis).as("waited for the informer, then answered within the deadline")
                .isGreaterThanOrEqualTo(UNKNOWN_IP_WAIT.toMillis())
                .isLessThan(deadline.plusMillis(500).toMillis());
    }

    @Test
    void reusedAddressServesTheNewPodNeverTheOldOne() {
        Pod old = standIns.runningPod("shop", "old-1", "web", NODE, "127.0.0.6");
        await(old);
        TestPods.terminate(standIns.client(), old);
        Pod fresh = standIns.runningPod("shop", "new-1", "batch", NODE, "127.0.0.6");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> agent.pods().at("127.0.0.6")
                .map(p -> p.uid().equals(fresh.getMetadata().getUid())).orElse(false));

        assertThat(get("127.0.0.6", standIns.tokenFor(old)).status()).isEqualTo(403);
        RawHttp.Reply reply = get("127.0.0.6", standIns.tokenFor(fresh));
        assertThat(reply.status()).isEqualTo(200);
        String key = reply.body().replaceAll(".*\"AccessKeyId\":\"([^\"]+)\".*", "$1");
        assertThat(standIns.sts().roleOf(key)).contains(BATCH_ROLE);
    }

    @Test
    void badTokensGetClear4xxAndNeverReachSts() {
        int before = standIns.sts().calls().size();
        assertThat(get("127.0.0.1", null).status()).isEqualTo(400);
        assertThat(get("127.0.0.1", "not-a-jwt").status()).isEqualTo(400);
        String expired = standIns.tokens().builder().namespace("shop").pod("web-1", web.getMetadata().getUid())
                .serviceAccount("web", "sa-uid-web").expiresAt(Instant.now().minus(Duration.ofHours(1)))
                .issuedAt(Instant.now().minus(Duration.ofHours(2))).sign();
        RawHttp.Reply reply = get("127.0.0.1", expired);
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.body()).doesNotContain(expired);
        assertThat(standIns.sts().calls()).hasSize(before);
    }

    @Test
    void probesAndMetricsTellTheTruth() throws Exception {
        var http = HttpClient.newHttpClient();
        var probes = agent.bound("probes").getFirst();
        var ready = http.send(HttpRequest.newBuilder(URI.create("http://" + probes + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        get("127.0.0.1", webToken);
        var metricsAddress = agent.bound("metrics").getFirst();
        var scrape = http.send(HttpRequest.newBuilder(URI.create("http://" + metricsAddress + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(scrape).contains("iamlet_requests_total{endpoint=\"container\"")
                .contains("iamlet_sts_requests_total").contains("iamlet_cache_hits_total")
                .contains("iamlet_pods_indexed").contains("iamlet_token_verifications_total");
        assertThat(agent.bound("container")).noneMatch(a -> a.port() == metricsAddress.port());
        assertThat(get("127.0.0.1", null).status()).isEqualTo(400);
        assertThat(RawHttp.get("127.0.0.1", endpoint, "/metrics", null).status())
                .as("/metrics is not served on the credential listener").isEqualTo(404);
        var drift = io.iamlet.metrics.MetricsDocCheck.check(io.iamlet.metrics.MetricsDocCheck.page(), scrape,
                "iamlet_");
        assertThat(drift.presentButUndocumented()).as("every exported iamlet_ meter is in docs/metrics.md").isEmpty();
    }

    @Test
    void noSecretOrTokenInAnyLogLine() throws Exception {
        String token = webToken;
        RawHttp.Reply reply = get("127.0.0.1", token);
        assertThat(reply.status()).isEqualTo(200);
        String secret = reply.body().replaceAll(".*\"SecretAccessKey\":\"([^\"]+)\".*", "$1");
        String session = reply.body().replaceAll(".*\"Token\":\"([^\"]+)\".*", "$1");
        get("127.0.0.2", token); // a denial too
        String signature = token.substring(token.lastIndexOf('.') + 1);
        assertThat(logs.lines()).isNotEmpty().allSatisfy(line -> assertThat(line)
                .doesNotContain(secret).doesNotContain(session).doesNotContain(signature));
        assertThat(logs.lines()).anySatisfy(line -> assertThat(line).startsWith("iamlet.audit")
                .contains("outcome=granted").contains("role_arn=" + WEB_ROLE).contains("namespace=shop")
                .contains("service_account=web").contains("cache_hit="));
    }

    private static RawHttp.Reply get(String sourceIp, String token) {
        try {
            return RawHttp.get(sourceIp, endpoint, "/v1/credentials", token);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(Pod pod) {
        String ip = pod.getStatus().getPodIPs().getFirst().getIp();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> agent.pods().at(ip).isPresent());
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
