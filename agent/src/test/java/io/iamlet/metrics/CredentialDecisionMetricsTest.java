package io.iamlet.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The audit listener that counts grants and denials. */
class CredentialDecisionMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AuditLog audit = new AuditLog("node-a");

    CredentialDecisionMetricsTest() {
        audit.addListener(new CredentialDecisionMetrics(registry));
    }

    private double count(String endpoint, String outcome, String reason) {
        var counter = registry.find("iamlet.credential.decisions").tag("endpoint", endpoint).tag("outcome", outcome)
                .tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void countsGrantsAndDenialsRecordedInTheAuditLog() {
        AuditEvent asked = AuditEvent.from("container", "10.0.0.7").pod("team-a", "web", "web")
                .role("arn:aws:iam::111122223333:role/web");
        audit.record(asked.granted(true, null, "ASIAEXAMPLE"));
        audit.record(asked.granted(false, "req-1", "ASIAEXAMPLE"));
        audit.record(asked.denied(403, "pod_mismatch"));
        audit.record(AuditEvent.from("metadata", "10.0.0.8").denied(503, "pod_unknown"));

        assertThat(count("container", "granted", "granted")).isEqualTo(2);
        assertThat(count("container", "denied", "pod_mismatch")).isEqualTo(1);
        assertThat(count("metadata", "denied", "pod_unknown")).isEqualTo(1);
    }

    @ParameterizedTest(name = "reason {0} is counted as {1}")
    @CsvSource(nullValues = "NULL", value = {
            "token_expired, token_expired",
            "sts_access_denied, sts_access_denied",
            "NULL, unknown",
            "'', unknown",
            "arn:aws:iam::111122223333:role/web, other",
            "10.0.0.7, other",
            "Pod_Mismatch, other",
            "reason with spaces, other",
            "a_reason_word_that_is_far_too_long_to_be_a_label, other"})
    void keepsReasonLabelsToShortWords(String reason, String label) {
        audit.record(AuditEvent.from("container", "10.0.0.7").denied(403, reason));

        assertThat(count("container", "denied", label)).isEqualTo(1);
        assertThat(registry.find("iamlet.credential.decisions").counters()).hasSize(1);
    }
}
