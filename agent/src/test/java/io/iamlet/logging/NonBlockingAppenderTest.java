package io.iamlet.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The log queue in front of a stalled output: callers never wait, losses are counted and then reported. */
class NonBlockingAppenderTest {

    private final LoggerContext context = new LoggerContext();
    private final StalledOutput output = new StalledOutput();
    private final DroppedLines dropped = new DroppedLines();
    private final NonBlockingAppender appender = new NonBlockingAppender();

    NonBlockingAppenderTest() {
        context.setMDCAdapter(new LogbackMDCAdapter()); // the one LoggerFactory's context has
        output.setContext(context);
        output.start();
        appender.setContext(context);
        appender.setName("async");
        appender.setQueueSize(4);
        appender.addAppender(output);
        appender.countDropsIn(dropped);
        appender.start();
    }

    @AfterEach
    void stop() {
        output.release();
        appender.stop();
        context.stop();
    }

    private Logger logger(String name) {
        Logger logger = context.getLogger(name);
        logger.setAdditive(false);
        logger.addAppender(appender);
        return logger;
    }

    @Test
    void callersGoOnWhileTheOutputIsStalledAndTheLossIsCounted() {
        Logger audit = logger("iamlet.audit");
        output.stall();

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 100; i++) {
                audit.info("credentials granted {}", i);
            }
        }, "a caller waited for the stalled output");

        long lost = dropped.count("iamlet.audit");
        assertThat(lost).as("at most the queue and the line being written get through").isGreaterThanOrEqualTo(95);
        assertThat(output.written()).as("nothing reaches a stalled output").isLessThanOrEqualTo(1);
    }

    @Test
    void theLossIsReportedInOneLineOnceTheOutputCatchesUp() {
        Logger audit = logger("iamlet.audit");
        Logger other = logger("io.iamlet.Agent");
        output.stall();
        for (int i = 0; i < 50; i++) {
            audit.info("credentials granted {}", i);
            other.info("something else {}", i);
        }
        long lostAudit = dropped.count("iamlet.audit");
        long lostOther = dropped.count("io.iamlet.Agent");

        output.release();

        Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> output.lines().stream()
                .anyMatch(e -> e.getFormattedMessage().contains("dropped")));
        var notices = output.lines().stream().filter(e -> e.getFormattedMessage().contains("dropped")).toList();
        assertThat(notices).hasSize(1);
        ILoggingEvent notice = notices.getFirst();
        assertThat(notice.getLoggerName()).as("the gap shows in the audit trail").isEqualTo("iamlet.audit");
        assertThat(notice.getLevel().toString()).isEqualTo("WARN");
        assertThat(notice.getFormattedMessage())
                .startsWith((lostAudit + lostOther) + " log lines dropped since ")
                .contains("(" + lostAudit + " of them audit lines)");
        assertThat(notice.getKeyValuePairs()).extracting(kv -> kv.key + "=" + kv.value)
                .contains("audit=true", "dropped_lines=" + (lostAudit + lostOther),
                        "dropped_audit_lines=" + lostAudit);
        assertThat(output.lines()).as("every line was either written or counted as dropped")
                .hasSize((int) (100 - lostAudit - lostOther) + 1);
    }

    @Test
    void aLossOfOtherLinesIsReportedOutsideTheAuditTrail() {
        Logger other = logger("io.iamlet.Agent");
        output.stall();
        for (int i = 0; i < 20; i++) {
            other.info("line {}", i);
        }

        output.release();

        Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> output.lines().stream()
                .anyMatch(e -> e.getFormattedMessage().contains("dropped")));
        ILoggingEvent notice = output.lines().getLast();
        assertThat(notice.getLoggerName()).isEqualTo(NonBlockingAppender.NOTICE_LOGGER);
        assertThat(notice.getKeyValuePairs()).extracting(kv -> kv.key).doesNotContain("audit");
    }

    @Test
    void nothingDroppedNothingReported() {
        Logger audit = logger("iamlet.audit");
        for (int i = 0; i < 3; i++) {
            audit.info("credentials granted {}", i);
        }

        appender.stop();

        assertThat(output.lines()).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("credentials granted 0", "credentials granted 1", "credentials granted 2");
        assertThat(dropped.count("iamlet.audit")).isZero();
    }

    @Test
    void stopWritesWhatIsStillQueued() {
        Logger audit = logger("iamlet.audit");
        output.stall();
        audit.info("first");
        audit.info("second");
        output.release();

        appender.stop();

        assertThat(output.lines()).extracting(ILoggingEvent::getFormattedMessage).contains("first", "second");
    }

    @Test
    void dropsAreExportedByLogger() {
        var registry = new SimpleMeterRegistry();
        dropped.bindTo(registry);
        Logger audit = logger("iamlet.audit");
        output.stall();
        for (int i = 0; i < 20; i++) {
            audit.info("line {}", i);
        }

        assertThat(registry.get("iamlet.log.lines.dropped").tag("logger", "iamlet.audit").functionCounter().count())
                .isEqualTo(dropped.count("iamlet.audit")).isPositive();
    }

    @Test
    void keyValuePairsSurviveTheQueue() {
        Logger audit = logger("iamlet.audit");
        audit.atInfo().setMessage("credentials granted").addKeyValue("status", 200).log();

        appender.stop();

        assertThat(output.lines().getFirst().getKeyValuePairs()).extracting(kv -> kv.key + "=" + kv.value)
                .containsExactly("status=200");
        assertThat(output.lines().getFirst().getKeyValuePairs().getFirst()).isInstanceOf(KeyValuePair.class);
    }
}
