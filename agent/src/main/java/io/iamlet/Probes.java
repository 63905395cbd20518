package io.iamlet;

import io.iamlet.server.Response;
import io.iamlet.server.Routes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.CompletableFuture;

/** Routes of the probe and metrics listeners. */
final class Probes {

    private Probes() {
    }

    static Routes routes(Agent agent) {
        return Routes.builder()
                .get("/healthz", "healthz", r -> CompletableFuture.completedFuture(Response.text(200, "ok")))
                .get("/readyz", "readyz", r -> {
                    var checks = agent.readiness();
                    boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
                    return CompletableFuture.completedFuture(Response.text(ready ? 200 : 503, checks.toString()));
                })
                .build();
    }

    static Routes metricsRoutes(MeterRegistry registry) {
        return Routes.builder()
                .get("/metrics", "metrics", r -> CompletableFuture.completedFuture(
                        registry instanceof PrometheusMeterRegistry p
                                ? new Response(200, "text/plain; version=0.0.4; charset=utf-8", java.util.Map.of(),
                                p.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                                : Response.text(404, "no prometheus registry")))
                .build();
    }
}
