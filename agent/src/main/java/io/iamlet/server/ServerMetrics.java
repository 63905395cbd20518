package io.iamlet.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's meters. Tags are route names, status codes and server names: all fixed by code, never by a request,
 * so cardinality stays low.
 */
final class ServerMetrics {

    /** Requests refused before routing (unknown path, malformed, too large) are counted under this endpoint. */
    static final String UNMATCHED = "unmatched";

    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Counter rejectedConnections;

    ServerMetrics(MeterRegistry registry, String server, AtomicInteger openConnections) {
        this.registry = registry;
        Gauge.builder("iamlet.server.connections", openConnections, AtomicInteger::get)
                .description("Open client connections")
                .strongReference(true)
                .tag("server", server)
                .register(registry);
        this.rejectedConnections = Counter.builder("iamlet.server.connections.rejected")
                .description("Connections closed at once because the listener had too many open")
                .tag("server", server)
                .register(registry);
    }

    void request(String endpoint, int status, long nanos) {
        requests.computeIfAbsent(endpoint + ' ' + status, k -> Counter.builder("iamlet.requests")
                .description("HTTP requests answered, by route and status")
                .tag("endpoint", endpoint)
                .tag("status", Integer.toString(status))
                .tag("outcome", outcome(status))
                .register(registry)).increment();
        timers.computeIfAbsent(endpoint, k -> Timer.builder("iamlet.request")
                .description("Time from a complete request to its response being written")
                .tag("endpoint", endpoint)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    void connectionRejected() {
        rejectedConnections.increment();
    }

    static String outcome(int status) {
        return switch (status / 100) {
            case 1 -> "informational";
            case 2 -> "success";
            case 3 -> "redirection";
            case 4 -> "client_error";
            default -> "server_error";
        };
    }
}
