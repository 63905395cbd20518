package io.iamlet.metrics;

import io.iamlet.failure.Failure;
import io.iamlet.server.Handler;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code GET /metrics}: the registry in the Prometheus text format ({@code text/plain; version=0.0.4}), or in
 * OpenMetrics 1.0 when the scraper's {@code Accept} header asks for {@code application/openmetrics-text}.
 * Protobuf is never offered: the text formats carry everything iamlet exports, and choosing the format here (not
 * leaving it to the client library's negotiation) keeps the Content-Type header and the body in agreement.
 *
 * <p>The scrape runs on the given executor, not on the event loop. It is an in-memory walk, usually well under a
 * millisecond, but it calls every gauge's function (other packages' code, and JVM MXBeans that read
 * {@code /proc} and cgroup files) and builds a body of tens of kilobytes; if the metrics listener shares its event
 * loops with the credential listeners, a credential request must never wait behind it. One scrape thread also
 * serialises concurrent scrapers.
 */
public final class MetricsHandler implements Handler {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final Executor executor;

    /**
     * @param registry what to expose
     * @param executor where scrapes run (a single thread is plenty); {@link Metrics#handler()} brings its own
     */
    public MetricsHandler(PrometheusMeterRegistry registry, Executor executor) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        String contentType = negotiate(request.header("accept"));
        try {
            return CompletableFuture.supplyAsync(() -> scrape(contentType), executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new Failure.Unavailable("metrics_stopped",
                    "metrics are not available while iamlet stops"));
        }
    }

    /** OpenMetrics when the Accept header names it, else the classic Prometheus text format. */
    static String negotiate(String accept) {
        if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")) {
            return OPENMETRICS_TEXT;
        }
        return PROMETHEUS_TEXT;
    }

    private Response scrape(String contentType) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(32 * 1024);
        try {
            // The registry picks its writer by matching this string as an Accept header: it names one format.
            registry.scrape(body, contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return new Response(200, contentType, Map.of("Cache-Control", "no-store"), body.toByteArray());
    }
}
