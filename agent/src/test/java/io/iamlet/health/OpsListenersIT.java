package io.iamlet.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.metrics.Metrics;
import io.iamlet.pods.InformerPodIndex;
import io.iamlet.pods.PodSelector;
import io.iamlet.server.EventLoops;
import io.iamlet.server.HttpServer;
import io.iamlet.server.ListenAddress;
import io.iamlet.server.Routes;
import io.iamlet.testing.TestPods;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe and metrics listeners as the agent wires them, over real sockets on loopback, with a real pod informer
 * against the fabric8 CRUD mock API server.
 */
class OpsListenersIT {

    private final KubernetesMockServer apiServer = TestPods.startCrudServer();
    private final KubernetesClient client = apiServer.createClient();
    private final Metrics metrics = Metrics.create();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final EventLoops loops = EventLoops.create(1);
    private final AtomicBoolean listenersBound = new AtomicBoolean();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private InformerPodIndex pods;
    private HttpServer probe;
    private HttpServer metricsServer;

    @BeforeEach
    void start() {
        TestPods.create(client, TestPods.pod("team-a", "web").ips("10.0.0.7").build());
        pods = new InformerPodIndex(client, PodSelector.clientSideOnly(TestPods.NODE), Duration.ofSeconds(2),
                Scheduler.systemScheduler(), metrics.registry());
        Readiness readiness = Readiness.builder()
                .check("listeners", listenersBound::get)
                .check("pod-informer", pods::synced)
                .build(metrics.registry());
        Heartbeat heartbeat = new Heartbeat(Clock.systemUTC(), Duration.ofSeconds(60));
        heartbeat.start(scheduler, Duration.ofSeconds(5));

        probe = HttpServer.builder("probe", Probes.routes(new LivenessHandler(heartbeat), readiness),
                metrics.registry()).listen(ListenAddress.parse("127.0.0.1:0")).eventLoops(loops).build();
        metricsServer = HttpServer.builder("metrics",
                        Routes.builder().get("/metrics", "metrics", metrics.handler()).build(), metrics.registry())
                .listen(ListenAddress.parse("127.0.0.1:0")).eventLoops(loops).build();
        probe.start();
        metricsServer.start();
        listenersBound.set(true);
    }

    @AfterEach
    void stop() {
        probe.stop(Duration.ZERO).join();
        metricsServer.stop(Duration.ZERO).join();
        loops.close();
        pods.stop();
        scheduler.shutdownNow();
        metrics.close();
        client.close();
        apiServer.destroy();
    }

    private HttpResponse<String> get(HttpServer server, String pathAndQuery) throws Exception {
        int port = server.boundAddresses().getFirst().port();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyzIsFalseBeforeThePodInformerSyncsAndTrueAfter() throws Exception {
        HttpResponse<String> before = get(probe, "/readyz");
        assertThat(before.statusCode()).isEqualTo(503);
        assertThat(before.body()).contains("[+]listeners ok", "[-]pod-informer failed");
        assertThat(get(metricsServer, "/metrics").body()).contains("iamlet_ready 0");

        pods.start().get(10, TimeUnit.SECONDS);

        HttpResponse<String> after = get(probe, "/readyz?verbose");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).isEqualTo("""
                [+]listeners ok
                [+]pod-informer ok
                readyz check passed
                """);
        assertThat(get(metricsServer, "/metrics").body()).contains("iamlet_ready 1", "iamlet_pods_indexed 1");
    }

    @Test
    void healthzAnswersWhileTheSchedulerBeats() throws Exception {
        HttpResponse<String> response = get(probe, "/healthz");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok\n");
    }

    @Test
    void metricsAreServedOnTheirOwnListenerOnly() throws Exception {
        get(probe, "/healthz");

        HttpResponse<String> scrape = get(metricsServer, "/metrics");

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(scrape.body()).contains(
                "iamlet_requests_total{endpoint=\"healthz\",outcome=\"success\",status=\"200\"} 1",
                "iamlet_request_seconds_bucket{endpoint=\"healthz\"",
                "iamlet_server_connections{server=\"probe\"}",
                "jvm_memory_used_bytes{",
                "process_uptime_seconds");
        assertThat(get(probe, "/metrics").statusCode()).isEqualTo(404);
        assertThat(get(metricsServer, "/readyz").statusCode()).isEqualTo(404);
    }
}
