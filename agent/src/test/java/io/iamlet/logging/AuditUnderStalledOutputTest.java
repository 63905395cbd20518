package io.iamlet.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The request path's audit call against a stalled stdout, as the agent's logging is set up: the audit logger writes
 * through {@link NonBlockingAppender}. Every grant is written ({@code --audit-every-grant}), the worst case.
 */
class AuditUnderStalledOutputTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Logger auditLogger = (Logger) LoggerFactory.getLogger("iamlet.audit");
    private final StalledOutput stdout = new StalledOutput();
    private final NonBlockingAppender appender = new NonBlockingAppender();
    private final DroppedLines dropped = new DroppedLines();
    private final boolean wasAdditive = auditLogger.isAdditive();

    AuditUnderStalledOutputTest() {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        stdout.setContext(context);
        stdout.start();
        appender.setContext(context);
        appender.setName("audit-under-test");
        appender.setQueueSize(64);
        appender.addAppender(stdout);
        appender.countDropsIn(dropped);
        dropped.bindTo(registry);
        appender.start();
        auditLogger.addAppender(appender);
        auditLogger.setAdditive(false);
    }

    @AfterEach
    void restore() {
        stdout.release();
        auditLogger.detachAppender(appender);
        auditLogger.setAdditive(wasAdditive);
        appender.stop();
    }

    private static AuditEvent grant(int i) {
        return AuditEvent.from("container", "10.0.0.7").pod("shop", "web-1", "web")
                .role("arn:aws:iam::111122223333:role/web").granted(true, "req-" + i, "ASIA" + i);
    }

    @Test
    void grantsGoOnWhileStdoutIsStalledAndTheLostLinesAreCountedThenReported() {
        var audit = new AuditLog("node-a", true, registry);
        stdout.stall();

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 1_000; i++) {
                audit.record(grant(i));
            }
        }, "recording a grant waited for stdout");

        double lost = registry.get("iamlet.log.lines.dropped").tag("logger", "iamlet.audit").functionCounter()
                .count();
        assertThat(lost).as("all but the queue (64) and the line being written").isGreaterThanOrEqualTo(935);

        stdout.release();

        Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> stdout.lines().stream()
                .map(ILoggingEvent::getFormattedMessage).anyMatch(m -> m.contains("audit lines")));
        assertThat(stdout.lines().getLast().getFormattedMessage())
                .startsWith((long) lost + " log lines dropped since ")
                .contains("(" + (long) lost + " of them audit lines)");
        assertThat(stdout.lines()).hasSize(1_000 - (int) lost + 1);
    }
}
