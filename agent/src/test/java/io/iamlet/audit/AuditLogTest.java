package io.iamlet.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AuditLogTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger auditLogger = (Logger) LoggerFactory.getLogger("iamlet.audit");

    AuditLogTest() {
        lines.start();
        auditLogger.addAppender(lines);
    }

    @AfterEach
    void detach() {
        auditLogger.detachAppender(lines);
    }

    private static AuditEvent grant(String pod, String accessKeyId) {
        return AuditEvent.from("container", "10.0.0." + pod.length()).pod("shop", pod, "web")
                .role("arn:aws:iam::111122223333:role/web").granted(true, "req-1", accessKeyId);
    }

    private static AuditEvent denial(String pod) {
        return AuditEvent.from("container", "10.0.0.9").pod("shop", pod, "web").denied(403, "pod_mismatch");
    }

    private double repeats() {
        var counter = registry.find("iamlet.audit.repeats").tag("endpoint", "container").counter();
        return counter == null ? 0 : counter.count();
    }

    private List<String> accessKeysWritten() {
        return lines.list.stream().map(e -> e.getKeyValuePairs().stream()
                .filter(kv -> kv.key.equals("access_key_id")).map(kv -> String.valueOf(kv.value))
                .findFirst().orElse("-")).toList();
    }

    @Test
    void firstGrantOfACredentialToAPodIsWrittenRepeatsAreOnlyCounted() {
        var audit = new AuditLog("node-a", false, registry);

        audit.record(grant("web-1", "ASIAONE"));
        audit.record(grant("web-1", "ASIAONE"));
        audit.record(grant("web-1", "ASIAONE"));

        assertThat(lines.list).hasSize(1);
        assertThat(lines.list.getFirst().getFormattedMessage()).isEqualTo("credentials granted");
        assertThat(accessKeysWritten()).containsExactly("ASIAONE");
        assertThat(repeats()).isEqualTo(2.0);
    }

    @Test
    void aNewAccessKeyAfterRenewalIsWrittenAgain() {
        var audit = new AuditLog("node-a", false, registry);

        audit.record(grant("web-1", "ASIAONE"));
        audit.record(grant("web-1", "ASIATWO"));
        audit.record(grant("web-1", "ASIATWO"));

        assertThat(accessKeysWritten()).containsExactly("ASIAONE", "ASIATWO");
        assertThat(repeats()).isEqualTo(1.0);
    }

    @Test
    void anotherPodWithTheSameCredentialIsWrittenToo() {
        var audit = new AuditLog("node-a", false, registry);

        audit.record(grant("web-1", "ASIAONE"));
        audit.record(grant("web-22", "ASIAONE"));

        assertThat(lines.list).hasSize(2);
        assertThat(repeats()).isZero();
    }

    @Test
    void everyDenialIsWritten() {
        var audit = new AuditLog("node-a", false, registry);

        audit.record(grant("web-1", "ASIAONE"));
        audit.record(denial("web-1"));
        audit.record(denial("web-1"));
        audit.record(denial("web-1"));

        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("credentials granted", "credentials denied", "credentials denied",
                        "credentials denied");
        assertThat(repeats()).isZero();
    }

    @Test
    void everyGrantFlagWritesALinePerRequest() {
        var audit = new AuditLog("node-a", true, registry);

        audit.record(grant("web-1", "ASIAONE"));
        audit.record(grant("web-1", "ASIAONE"));
        audit.record(grant("web-1", "ASIAONE"));

        assertThat(accessKeysWritten()).containsExactly("ASIAONE", "ASIAONE", "ASIAONE");
        assertThat(repeats()).isZero();
    }

    @Test
    void listenersSeeEveryEventWrittenOrNot() {
        var audit = new AuditLog("node-a", false, registry);
        List<AuditEvent> seen = new ArrayList<>();
        audit.addListener(seen::add);

        audit.record(grant("web-1", "ASIAONE"));
        audit.record(grant("web-1", "ASIAONE"));
        audit.record(denial("web-1"));

        assertThat(seen).hasSize(3);
        assertThat(lines.list).hasSize(2);
    }
}
