package io.iamlet.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.failure.Failure;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code GET /metrics} without sockets: format negotiation, content and where the scrape runs. */
class MetricsHandlerTest {

    private final PrometheusMeterRegistry registry = Metrics.newRegistry();
    private final Counter requests = Counter.builder("iamlet.requests").tag("endpoint", "container")
            .tag("status", "200").tag("outcome", "success").register(registry);

    static Request get(String accept) {
        Map<String, String> headers = new HashMap<>();
        if (accept != null) {
            headers.put("accept", accept);
        }
        return new Request("GET", "/metrics", "", headers, "127.0.0.1", new byte[0]);
    }

    static String body(Response response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void servesPrometheusTextWithTheCurrentValueOfAMeter() {
        requests.increment();
        requests.increment();

        Response response = new MetricsHandler(registry, Runnable::run).handle(get(null)).join();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(body(response)).contains("# TYPE iamlet_requests_total counter")
                .contains("iamlet_requests_total{endpoint=\"container\",outcome=\"success\",status=\"200\"} 2");
    }

    @Test
    void servesOpenMetricsWhenTheScraperAsksForIt() {
        requests.increment();
        // What Prometheus 2.x/3.x sends by default.
        String accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                + "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

        Response response = new MetricsHandler(registry, Runnable::run).handle(get(accept)).join();

        assertThat(response.contentType()).isEqualTo("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(body(response)).contains("# TYPE iamlet_requests counter")
                .contains("iamlet_requests_total{endpoint=\"container\",outcome=\"success\",status=\"200\"} 1")
                .endsWith("# EOF\n");
    }

    @ParameterizedTest(name = "Accept: {0}")
    @CsvSource(delimiter = '|', value = {
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
            "text/plain",
            "*/*",
            "''"})
    void answersAnythingElseWithTheClassicTextFormat(String accept) {
        Response response = new MetricsHandler(registry, Runnable::run).handle(get(accept)).join();

        assertThat(response.contentType()).isEqualTo(MetricsHandler.PROMETHEUS_TEXT);
        assertThat(body(response)).contains("# TYPE iamlet_requests_total counter");
    }

    @Test
    void scrapesOnTheGivenExecutorNotTheCallersThread() {
        Queue<Runnable> queued = new ArrayDeque<>();
        CompletableFuture<Response> answer = new MetricsHandler(registry, queued::add).handle(get(null));

        assertThat(answer).isNotDone();
        assertThat(queued).hasSize(1);

        queued.poll().run();

        assertThat(answer).isCompletedWithValueMatching(r -> r.status() == 200);
    }

    @Test
    void answers503OnceTheScrapeThreadIsStopped() {
        Executor stopped = task -> {
            throw new RejectedExecutionException("stopped");
        };

        CompletableFuture<Response> answer = new MetricsHandler(registry, stopped).handle(get(null));

        assertThat(answer).isCompletedExceptionally();
        Failure failure = Failure.find(answer.handle((r, e) -> e).join()).orElseThrow();
        assertThat(failure.status()).isEqualTo(503);
    }

    @Test
    void isNeverCached() {
        Response response = new MetricsHandler(registry, Runnable::run).handle(get(null)).join();

        assertThat(response.headers()).containsEntry("Cache-Control", "no-store");
    }
}
