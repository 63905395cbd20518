package io.iamlet.metrics;

import io.iamlet.audit.AuditEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * An {@link io.iamlet.audit.AuditLog} listener counting every grant and denial:
 * {@code iamlet.credential.decisions} (Prometheus {@code iamlet_credential_decisions_total}), tags {@code endpoint}
 * ({@code container}, {@code metadata}), {@code outcome} ({@code granted}, {@code denied}) and {@code reason}
 * ({@code granted}, or the {@link io.iamlet.failure.Failure#reason()} of the denial).
 *
 * <p>Reasons and endpoints are short constant words set by code; anything that does not look like one (a bug
 * putting data there) is counted as {@code other}, so no pod name, IP or ARN can become a label.
 */
public final class CredentialDecisionMetrics implements Consumer<AuditEvent> {

    static final String NAME = "iamlet.credential.decisions";
    private static final int MAX_KEYS = 1_000;
    private static final Pattern WORD = Pattern.compile("[a-z][a-z0-9_]{0,39}");

    private final MeterRegistry registry;
    /**
     * One counter per (endpoint, outcome, reason) as the event carries them, found again without a builder or a
     * pattern match on every request; the tag values are cleaned ({@link #word}) once, when the counter is made.
     */
    private final ConcurrentMap<Key, Counter> counters = new ConcurrentHashMap<>();

    private record Key(String endpoint, boolean granted, String reason) {
        // written out: a record's generated equals and hashCode go through method handles, which C1 (the image's
        // only JIT) does not inline; this key is looked up on every decision
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && granted == k.granted && Objects.equals(endpoint, k.endpoint)
                    && Objects.equals(reason, k.reason);
        }

        @Override
        public int hashCode() {
            return (31 * Objects.hashCode(endpoint) + Boolean.hashCode(granted)) * 31 + Objects.hashCode(reason);
        }
    }

    public CredentialDecisionMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void accept(AuditEvent event) {
        var key = new Key(event.endpoint(), event.granted(), event.granted() ? null : event.reason());
        Counter counter = counters.get(key);
        if (counter == null) {
            // Raw values as keys: should a bug ever put data in them, stop remembering rather than grow.
            counter = counters.size() < MAX_KEYS ? counters.computeIfAbsent(key, this::register) : register(key);
        }
        counter.increment();
    }

    private Counter register(Key k) {
        return Counter.builder(NAME)
                .description("Credential requests decided, by endpoint, outcome and reason")
                .tag("endpoint", word(k.endpoint()))
                .tag("outcome", k.granted() ? "granted" : "denied")
                .tag("reason", k.granted() ? "granted" : word(k.reason()))
                .register(registry);
    }

    /** {@code value} when it is a short lower-case word, else {@code other} ({@code unknown} when absent). */
    static String word(String value) {
        if (value == null || value.isEmpty()) {
            return "unknown";
        }
        return WORD.matcher(value).matches() ? value : "other";
    }
}
