package io.iamlet.podidentity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.iamlet.Agent;
import io.iamlet.config.ServeOptions;
import io.iamlet.metrics.Metrics;
import io.iamlet.pods.PodSelector;
import io.iamlet.testing.StandIns;
import io.iamlet.testing.TestPods;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The IP-reuse race on the container endpoint, end to end: the agent with its real token verifier and pod informer
 * over the fabric8 mock API server, the STS stand-in, and requests from loopback addresses playing pods. A new pod
 * asking from an address before iamlet has indexed it gets a retryable answer, never the final {@code pod_mismatch}
 * that SDKs do not retry and that operators alert on as token replay.
 */
class IpReuseIT {

    private static final String NODE = TestPods.NODE;
    private static final String ROLE = "arn:aws:iam::111122223333:role/web";
    private static final Duration WAIT = Duration.ofMillis(500);
    private static final Duration DEADLINE = Duration.ofMillis(1500);

    private static StandIns standIns;
    private static Agent agent;
    private static Metrics metrics;
    private static URI endpoint;

    @BeforeAll
    static void start() {
        standIns = StandIns.start();
        standIns.serviceAccount("shop", "web", ROLE);
        var config = ServeOptions.parse(Map.of(),
                "--node-name", NODE,
                "--container-listen", "127.0.0.1:0",
                "--probe-listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0",
                "--sts-endpoint", standIns.sts().endpoint().toString(),
                "--unknown-ip-wait", WAIT.toMillis() + "ms",
                "--request-deadline", DEADLINE.toMillis() + "ms");
        agent = Agent.start(config, new Agent.Wiring(standIns.client(), PodSelector.clientSideOnly(NODE),
                "us-east-1", null, metrics = Metrics.create()));
        agent.podsSynced().orTimeout(30, TimeUnit.SECONDS).join();
        endpoint = URI.create("http://" + agent.bound("container").getFirst() + "/v1/credentials");
        // Warm up: signing keys loaded, STS client and the web role's credentials ready, so that the tests below
        // time the pod lookup only, not a cold JVM's first STS call.
        Pod warm = standIns.runningPod("shop", "web-warm", "web", NODE, "127.0.0.20");
        awaitIndexed(warm);
        String token = standIns.tokenFor(warm);
        await().atMost(Duration.ofSeconds(30)).until(() -> get("127.0.0.20", token).statusCode() == 200);
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
    }

    @Test
    void newPodOnAReusedAddressIsServedOnceIndexedWithinTheWait() {
        // Pod A holds 127.0.0.21; pod B, created for the same address, has no IP yet as far as iamlet knows.
        Pod a = standIns.runningPod("shop", "web-a", "web", NODE, "127.0.0.21");
        awaitIndexed(a);
        Pod b = pendingPod("web-b");
        String tokenOfB = standIns.tokenFor(b);

        // a thread of its own: the JDK HTTP client (the API client's too) completes its responses on the common pool,
        // which a blocking request must not occupy while the test calls the API server
        CompletableFuture<HttpResponse<String>> reply = CompletableFuture.supplyAsync(
                () -> get("127.0.0.21", tokenOfB), task -> Thread.ofVirtual().start(task));
        await().atMost(Duration.ofSeconds(5)).until(() -> waiting() >= 1);
        TestPods.delete(standIns.client(), a);
        TestPods.updateStatus(standIns.client(), b, s -> {
            s.setPhase("Running");
            s.setPodIP("127.0.0.21");
            s.setPodIPs(List.of(new PodIP("127.0.0.21")));
        });

        HttpResponse<String> answer = reply.join();
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"AccessKeyId\"");
    }

    @Test
    void tokenOfAPodNotIndexedInTimeGets503NotYetKnownWithinTheDeadline() {
        Pod a = standIns.runningPod("shop", "web-c", "web", NODE, "127.0.0.22");
        awaitIndexed(a);
        String tokenOfAPodNotSeen = standIns.tokens().token("shop", "web-d", UUID.randomUUID().toString(), "web",
                "sa-uid-web");

        long start = System.nanoTime();
        HttpResponse<String> answer = get("127.0.0.22", tokenOfAPodNotSeen);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.body()).contains("\"code\":\"ServiceUnavailable\"", "\"Code\":\"ServiceUnavailable\"")
                .contains("not known on this node yet");
        assertThat(took).as("the user-visible promise: an answer within the deadline")
                .isLessThan(DEADLINE.plusMillis(500));
    }

    @Test
    void tokenOfAPodKnownAtAnotherAddressIsRefused() {
        Pod elsewhere = standIns.runningPod("shop", "web-e", "web", NODE, "127.0.0.23");
        Pod here = standIns.runningPod("shop", "web-f", "web", NODE, "127.0.0.24");
        awaitIndexed(elsewhere);
        awaitIndexed(here);

        HttpResponse<String> answer = get("127.0.0.24", standIns.tokenFor(elsewhere));

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).contains("\"code\":\"AccessDenied\"")
                .contains("not issued to the pod at this source address");
    }

    @Test
    void tokenOfARecentlyDeletedPodIsRefusedFromItsFormerAddress() {
        Pod deleted = standIns.runningPod("shop", "web-g", "web", NODE, "127.0.0.25");
        awaitIndexed(deleted);
        TestPods.delete(standIns.client(), deleted);
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.pods().at("127.0.0.25").isEmpty());

        HttpResponse<String> answer = get("127.0.0.25", standIns.tokenFor(deleted));

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).contains("not issued to the pod at this source address");
    }

    /** A pod as the API server has it right after scheduling: no IP, phase Pending. */
    private static Pod pendingPod(String name) {
        return TestPods.create(standIns.client(),
                TestPods.pod("shop", name).node(NODE).serviceAccount("web").phase("Pending").build());
    }

    private static void awaitIndexed(Pod pod) {
        String uid = pod.getMetadata().getUid();
        String ip = pod.getStatus().getPodIPs().getFirst().getIp();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> agent.pods().at(ip).map(p -> p.uid().equals(uid)).orElse(false));
    }

    private static double waiting() {
        var gauge = metrics.registry().find("iamlet.pod.lookup.waiting").gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** A GET of the credentials from {@code sourceIp} (loopback only), as the pod there would send it. */
    private static HttpResponse<String> get(String sourceIp, String token) {
        try (HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.ofLiteral(sourceIp)).build()) {
            return client.send(HttpRequest.newBuilder(endpoint).header("Authorization", token)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
