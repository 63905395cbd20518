package io.iamlet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.Agent;
import io.iamlet.config.ServeOptions;
import io.iamlet.metrics.Metrics;
import io.iamlet.pods.PodSelector;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsFault;
import io.iamlet.testing.StandIns;
import io.iamlet.testing.TestPods;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container endpoint when STS fails, end to end in one JVM: the Agent as {@code serve} starts it, with the
 * production STS client settings (2 s connect, 5 s per attempt, 3 attempts) and the default deadline (1.5 s) and
 * failed-load lifetimes (3 s, 30 s), against the STS stand-in made to hang, refuse connections or throttle. Each
 * test uses a service account (so a cache key) of its own. The figures for the issue are printed as
 * {@code FIGURE ...} lines (in the failsafe report's output file).
 */
class StsFaultsIT {

    private static final String NODE = TestPods.NODE;
    private static final Duration DEADLINE = Duration.ofMillis(1500);
    /** The user-visible promise: an answer within the deadline, plus generous slack for a busy machine. */
    private static final Duration PROMISE = DEADLINE.plusMillis(500);

    private static StandIns standIns;
    private static FakeSts sts;
    private static Agent agent;
    private static Metrics metrics;
    private static InetSocketAddress endpoint;
    private static final ExecutorService pods = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() {
        standIns = StandIns.start();
        sts = standIns.sts();
        var config = ServeOptions.parse(Map.of(),
                "--node-name", NODE,
                "--container-listen", "127.0.0.1:0",
                "--probe-listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0",
                "--sts-endpoint", sts.endpoint().toString());
        agent = Agent.start(config, new Agent.Wiring(standIns.client(), PodSelector.clientSideOnly(NODE),
                "us-east-1", null, metrics = Metrics.create()));
        agent.podsSynced().orTimeout(30, TimeUnit.SECONDS).join();
        endpoint = agent.bound("container").getFirst().toSocketAddress();
        // an agent that has served before: a cold SDK client's first call alone can take more than the budget
        // (the load goes on past the 503 that the deadline gives, so a retry is served)
        String token = standIns.tokenFor(pod("warm", "warm-1", "127.0.0.10"));
        long start = System.nanoTime();
        int unavailable = 0;
        RawHttp.Reply reply;
        while ((reply = get("127.0.0.10", token)).status() != 200) {
            assertRetryable(reply);
            assertThat(++unavailable).as("a cold start is served within a few retries").isLessThan(10);
        }
        figure("cold agent, healthy STS: first 200 after", Duration.ofNanos(System.nanoTime() - start).toMillis()
                + " ms and " + unavailable + " 503s");
    }

    @AfterAll
    static void stop() {
        pods.shutdownNow();
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

    @AfterEach
    void healSts() {
        sts.acceptConnections();
        sts.reset();
    }

    /** A running pod of service account {@code account} (its own role), known to the agent. */
    private static Pod pod(String account, String name, String ip) {
        if (standIns.client().serviceAccounts().inNamespace("shop").withName(account).get() == null) {
            standIns.serviceAccount("shop", account, "arn:aws:iam::111122223333:role/" + account);
        }
        Pod pod = standIns.runningPod("shop", name, account, NODE, ip);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> agent.pods().at(ip).isPresent());
        return pod;
    }

    private static RawHttp.Reply get(String sourceIp, String token) {
        try {
            return RawHttp.get(sourceIp, endpoint, "/v1/credentials", token);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Timed(RawHttp.Reply reply, Duration took) {
    }

    private static Timed timedGet(String sourceIp, String token) {
        long start = System.nanoTime();
        RawHttp.Reply reply = get(sourceIp, token);
        return new Timed(reply, Duration.ofNanos(System.nanoTime() - start));
    }

    private static void assertRetryable(RawHttp.Reply reply) {
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.body()).contains("\"code\":\"ServiceUnavailable\"").contains("\"Code\":\"ServiceUnavailable\"");
    }

    private static double suppressed() {
        return metrics.registry().find("iamlet.sts.calls.suppressed").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static void figure(String what, Object value) {
        System.out.println("FIGURE " + what + ": " + value);
    }

    @Test
    void aHungStsGets503WithinTheDeadlineAndTheRequestAfterItRecoversIsServed() throws Exception {
        String token = standIns.tokenFor(pod("hung", "hung-1", "127.0.0.11"));
        sts.hang(true);

        Timed first = timedGet("127.0.0.11", token);
        assertRetryable(first.reply());
        assertThat(first.took()).as("answered within the deadline").isLessThan(PROMISE);
        Thread.sleep(1000); // an SDK's retry, a second later
        Timed retry = timedGet("127.0.0.11", token);
        assertRetryable(retry.reply());
        assertThat(retry.took()).isLessThan(PROMISE);
        int callsWhileHung = sts.requestsReceived();

        sts.hang(false);
        long recovered = System.nanoTime();
        RawHttp.Reply served = null;
        int retries = 0;
        while (served == null) {
            RawHttp.Reply reply = get("127.0.0.11", token);
            if (reply.status() == 200) {
                served = reply;
            } else {
                assertRetryable(reply);
                assertThat(++retries).as("served within 20 retries after STS recovered").isLessThan(20);
                Thread.sleep(500);
            }
        }
        assertThat(served.body()).contains("\"AccessKeyId\":\"ASIA");

        figure("STS hung: first request answered 503 in", first.took().toMillis() + " ms");
        figure("STS hung: retry 1 s later answered 503 in", retry.took().toMillis() + " ms");
        figure("STS hung: STS requests made by then", callsWhileHung);
        figure("STS hung: after STS recovered, 200 after", Duration.ofNanos(System.nanoTime() - recovered)
                .toMillis() + " ms and " + retries + " more 503s");
    }

    @Test
    void stsRefusingConnectionsGets503AtOnceAndTheFailureIsRemembered() throws Exception {
        String token = standIns.tokenFor(pod("refused", "refused-1", "127.0.0.12"));
        sts.refuseConnections();
        double suppressedBefore = suppressed();

        Timed first = timedGet("127.0.0.12", token);
        Timed retry = timedGet("127.0.0.12", token);

        assertRetryable(first.reply());
        assertThat(first.reply().body()).contains("could not be sent");
        assertThat(first.took()).isLessThan(PROMISE);
        assertRetryable(retry.reply());
        assertThat(suppressed() - suppressedBefore).as("the retry made no STS call").isEqualTo(1);

        sts.acceptConnections();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> get("127.0.0.12", token).status() == 200);

        figure("STS refusing connections: first request answered 503 in", first.took().toMillis() + " ms");
        figure("STS refusing connections: retry answered 503 (remembered) in", retry.took().toMillis() + " ms");
    }

    @Test
    void aRetryStormOfTwentyPodsWhileStsThrottlesCostsAFewStsCalls() throws Exception {
        List<String> ips = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String ip = "127.0.0." + (21 + i);
            ips.add(ip);
            tokens.add(standIns.tokenFor(pod("throttled", "throttled-" + i, ip)));
        }
        sts.failAll(FakeStsFault.THROTTLING);
        double suppressedBefore = suppressed();

        int answered = 0;
        for (int retry = 0; retry < 5; retry++) {
            List<CompletableFuture<RawHttp.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String ip = ips.get(i);
                String token = tokens.get(i);
                replies.add(CompletableFuture.supplyAsync(() -> get(ip, token), pods));
            }
            for (CompletableFuture<RawHttp.Reply> reply : replies) {
                assertRetryable(reply.join());
                answered++;
            }
            Thread.sleep(1000);
        }

        int stsCalls = sts.calls("AssumeRoleWithWebIdentity").size();
        assertThat(answered).isEqualTo(100);
        assertThat(stsCalls).as("one call per failed-load lifetime (3 s +- 20 %) over ~5 s").isBetween(1, 3);
        figure("STS throttling, 20 pods x 5 retries over 5 s: STS calls", stsCalls
                + " (suppressed " + (long) (suppressed() - suppressedBefore) + ", the rest joined a load)");
    }
}
