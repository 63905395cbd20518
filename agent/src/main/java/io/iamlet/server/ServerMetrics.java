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
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The server's meters. Tags are route names, status codes, server names and refusal reasons: all fixed by code,
 * never by a request (no source address), so cardinality stays low.
 */
final class ServerMetrics {

    /** Requests refused before routing (unknown path, malformed, too large) are counted under this endpoint. */
    static final String UNMATCHED = "unmatched";

    private final MeterRegistry registry;
    /** Meters of each endpoint, found per request without building or registering anything. */
    private final Map<String, EndpointMeters> endpoints = new ConcurrentHashMap<>();
    /** Indexed by {@link ConnectionCap.Refusal#ordinal()}. */
    private final Counter[] rejectedConnections;

    ServerMetrics(MeterRegistry registry, String server, AtomicInteger openConnections) {
        this.registry = registry;
        Gauge.builder("iamlet.server.connections", openConnections, AtomicInteger::get)
                .description("Open client connections")
                .strongReference(true)
                .tag("server", server)
                .register(registry);
        ConnectionCap.Refusal[] reasons = ConnectionCap.Refusal.values();
        this.rejectedConnections = new Counter[reasons.length];
        for (ConnectionCap.Refusal reason : reasons) {
            rejectedConnections[reason.ordinal()] = Counter.builder("iamlet.server.connections.rejected")
                    .description("Connections closed at once: the listener (reason=listener) or the connection's "
                            + "source address (reason=per_source) had as many open as allowed")
                    .tag("server", server)
                    .tag("reason", reason.tag)
                    .register(registry);
        }
    }

    void request(String endpoint, int status, long nanos) {
        EndpointMeters meters = endpoints.get(endpoint);
        if (meters == null) {
            meters = endpoints.computeIfAbsent(endpoint, this::register);
        }
        meters.requests(status).increment();
        meters.timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    private EndpointMeters register(String endpoint) {
        Timer timer = Timer.builder("iamlet.request")
                .description("Time from a complete request to its response being written")
                .tag("endpoint", endpoint)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        return new EndpointMeters(endpoint, timer);
    }

    /** One endpoint's timer and its request counters by status (100-599), each registered on first use. */
    private final class EndpointMeters {
        final String endpoint;
        final Timer timer;
        final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(500);

        EndpointMeters(String endpoint, Timer timer) {
            this.endpoint = endpoint;
            this.timer = timer;
        }

        Counter requests(int status) {
            int i = status - 100;
            Counter counter = byStatus.get(i);
            if (counter == null) {
                counter = Counter.builder("iamlet.requests")
                        .description("HTTP requests answered, by route and status")
                        .tag("endpoint", endpoint)
                        .tag("status", Integer.toString(status))
                        .tag("outcome", outcome(status))
                        .register(registry);
                byStatus.set(i, counter); // registering twice yields the same counter: a race is harmless
            }
            return counter;
        }
    }

    void connectionRejected(ConnectionCap.Refusal reason) {
        rejectedConnections[reason.ordinal()].increment();
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
