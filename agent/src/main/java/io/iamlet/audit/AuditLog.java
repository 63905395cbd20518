package io.iamlet.audit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes one JSON line per grant or denial on the {@code iamlet.audit} logger, with the node name, so that a log
 * pipeline can route audit lines on the logger name alone. Listeners (Kubernetes Events, metrics) see every event.
 */
public final class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger("iamlet.audit");

    private final String node;
    private final List<Consumer<AuditEvent>> listeners = new CopyOnWriteArrayList<>();

    public AuditLog(String node) {
        this.node = node;
    }

    private static void optional(LoggingEventBuilder line, String key, Object value) {
        if (value != null) {
            line.addKeyValue(key, value);
        }
    }

    public void addListener(Consumer<AuditEvent> listener) {
        listeners.add(listener);
    }

    public void record(AuditEvent e) {
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
        for (var l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                LOG.debug("audit listener failed", ex);
            }
        }
    }
}
