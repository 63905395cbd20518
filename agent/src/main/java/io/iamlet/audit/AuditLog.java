package io.iamlet.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes JSON audit lines on the {@code iamlet.audit} logger, with the node name, so that a log pipeline can route
 * audit lines on the logger name alone. Listeners (Kubernetes Events, decision metrics) see every event.
 *
 * <p>What is written: every denial; a grant when it is the <em>first</em> grant of that credential (access key id)
 * to that pod on that endpoint. A pod polling its cached credentials every second thus writes one line per
 * credential, not one per request: a renewal (new access key id) or a new pod writes again. Repeats are counted in
 * {@code iamlet.audit.repeats} by endpoint. With {@code everyGrant} (flag {@code --audit-every-grant}) every grant
 * is written, as before.
 *
 * <p>Writing a line never waits for stdout, even on an event loop: the shipped logback configuration hands lines to
 * {@code io.iamlet.logging.NonBlockingAppender}, which drops them when stdout stalls, counts them
 * ({@code iamlet.log.lines.dropped}, logger {@code iamlet.audit}) and reports the gap on this logger once stdout
 * catches up.
 *
 * <p>Memory: the last access key id written per pod, at most {@value #MAX_PODS} pods, each forgotten after
 * {@link #FORGET_AFTER} without a request (longer than any STS session). Forgetting only costs one more line.
 */
public final class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger("iamlet.audit");
    static final long MAX_PODS = 20_000;
    static final Duration FORGET_AFTER = Duration.ofHours(12);

    private final String node;
    private final boolean everyGrant;
    private final MeterRegistry registry;
    private final List<Consumer<AuditEvent>> listeners = new CopyOnWriteArrayList<>();
    /** Per pod and endpoint, the access key id of the last grant written. */
    private final Cache<PodKey, String> written;
    private final Map<String, Counter> repeats = new ConcurrentHashMap<>();

    private record PodKey(String endpoint, String sourceIp, String namespace, String pod) {
        // written out: a record's generated equals and hashCode go through method handles, which C1 (the image's
        // only JIT) does not inline; this key is looked up on every grant
        @Override
        public boolean equals(Object o) {
            return o instanceof PodKey k && Objects.equals(sourceIp, k.sourceIp) && Objects.equals(pod, k.pod)
                    && Objects.equals(namespace, k.namespace) && Objects.equals(endpoint, k.endpoint);
        }

        @Override
        public int hashCode() {
            int h = Objects.hashCode(endpoint);
            h = 31 * h + Objects.hashCode(sourceIp);
            h = 31 * h + Objects.hashCode(namespace);
            return 31 * h + Objects.hashCode(pod);
        }
    }

    /**
     * @param everyGrant write every grant ({@code --audit-every-grant}) instead of the first per credential and pod
     * @param registry   where {@code iamlet.audit.repeats} goes
     */
    public AuditLog(String node, boolean everyGrant, MeterRegistry registry) {
        this.node = node;
        this.everyGrant = everyGrant;
        this.registry = Objects.requireNonNull(registry, "registry");
        // Maintenance inline: a few entries' bookkeeping now and then costs less than waking a pool thread for it.
        this.written = Caffeine.newBuilder().maximumSize(MAX_PODS).expireAfterAccess(FORGET_AFTER)
                .executor(Runnable::run).build();
    }

    /** Every grant written, nothing counted: for tests and tools. */
    public AuditLog(String node) {
        this(node, true, new SimpleMeterRegistry());
    }

    public void addListener(Consumer<AuditEvent> listener) {
        listeners.add(listener);
    }

    public void record(AuditEvent e) {
        if (worthALine(e)) {
            write(e);
        } else {
            repeatCounter(e.endpoint()).increment();
        }
        for (var l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                LOG.debug("audit listener failed", ex);
            }
        }
    }

    private boolean worthALine(AuditEvent e) {
        if (everyGrant || !e.granted() || e.accessKeyId() == null) {
            return true;
        }
        var pod = new PodKey(e.endpoint(), e.sourceIp(), e.namespace(), e.pod());
        if (e.accessKeyId().equals(written.getIfPresent(pod))) {
            return false; // the common case, a read only
        }
        // Two first requests at once: the one whose put sees the new key already written stays silent.
        return !e.accessKeyId().equals(written.asMap().put(pod, e.accessKeyId()));
    }

    private Counter repeatCounter(String endpoint) {
        String tag = endpoint == null ? "unknown" : endpoint;
        Counter counter = repeats.get(tag);
        return counter != null ? counter : repeats.computeIfAbsent(tag, t -> Counter.builder("iamlet.audit.repeats")
                .description("Grants not written to the audit log because the same credential was already "
                        + "written for the same pod (see --audit-every-grant)")
                .tag("endpoint", t)
                .register(registry));
    }

    private void write(AuditEvent e) {
        LoggingEventBuilder line = (e.granted() ? LOG.atInfo() : LOG.atWarn())
                .setMessage(e.granted() ? "credentials granted" : "credentials denied")
                .addKeyValue("audit", true)
                .addKeyValue("node", node)
                .addKeyValue("endpoint", e.endpoint())
                .addKeyValue("source_ip", e.sourceIp())
                .addKeyValue("outcome", e.granted() ? "granted" : "denied")
                .addKeyValue("status", e.status())
                .addKeyValue("reason", e.reason());
        optional(line, "namespace", e.namespace());
        optional(line, "pod", e.pod());
        optional(line, "service_account", e.serviceAccount());
        optional(line, "role_arn", e.roleArn());
        optional(line, "cache_hit", e.cacheHit());
        optional(line, "sts_request_id", e.stsRequestId());
        optional(line, "access_key_id", e.accessKeyId());
        line.log();
    }

    private static void optional(LoggingEventBuilder line, String key, Object value) {
        if (value != null) {
            line.addKeyValue(key, value);
        }
    }
}
