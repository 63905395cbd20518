package io.iamlet.logging;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The log lines {@link NonBlockingAppender} had to drop because its queue was full: a running count per logger
 * name (the meter {@code iamlet.log.lines.dropped}, tag {@code logger}) and the gap not yet reported in the log.
 *
 * <p>Logback builds the appender from its configuration before iamlet has a meter registry, so the tally lives
 * here, shared by the process ({@link #shared()}), and the registry is bound later ({@link #bindTo}). Logger names
 * are the code's own, a bounded set, so the tag's cardinality is bounded too. A logger's counter is registered at
 * its first drop.
 */
public final class DroppedLines {

    /** The audit trail's logger ({@code AuditLog}): its losses are reported on the audit trail itself. */
    static final String AUDIT_LOGGER = "iamlet.audit";
    static final String METER = "iamlet.log.lines.dropped";

    private static final DroppedLines SHARED = new DroppedLines();

    private final ConcurrentMap<String, LongAdder> byLogger = new ConcurrentHashMap<>();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final AtomicReference<Gap> unreported = new AtomicReference<>();

    /** Lines dropped since {@code since} and not yet reported; {@code audit} of them were audit lines. */
    record Gap(Instant since, long audit, long other) {
        Gap plus(boolean auditLine) {
            return new Gap(since, audit + (auditLine ? 1 : 0), other + (auditLine ? 0 : 1));
        }

        long total() {
            return audit + other;
        }
    }

    DroppedLines() {
    }

    /** The process's tally, the one the shipped logback configuration's appender counts into. */
    public static DroppedLines shared() {
        return SHARED;
    }

    /**
     * Exports the counts as {@code iamlet.log.lines.dropped} in {@code registry}, now and for loggers to come, until
     * the returned handle is closed (loggers first dropping after that are not added to the registry).
     */
    public AutoCloseable bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        // registry first, then the loggers seen so far: a logger added meanwhile is registered by one side or both
        registries.add(registry);
        byLogger.computeIfAbsent(AUDIT_LOGGER, logger -> new LongAdder()); // the audit trail's gap counter exists at 0
        byLogger.forEach((logger, count) -> register(registry, logger, count));
        return () -> registries.remove(registry);
    }

    /** Counts one line of {@code logger}, logged at {@code at}, that was not written. */
    void record(String logger, Instant at) {
        LongAdder count = byLogger.get(logger);
        if (count == null) {
            LongAdder fresh = new LongAdder();
            count = byLogger.putIfAbsent(logger, fresh);
            if (count == null) { // this thread's counter: it registers it, once
                count = fresh;
                for (MeterRegistry registry : registries) {
                    register(registry, logger, count);
                }
            }
        }
        count.increment();
        boolean audit = AUDIT_LOGGER.equals(logger);
        unreported.accumulateAndGet(null, (gap, ignored) ->
                (gap == null ? new Gap(at, 0, 0) : gap).plus(audit));
    }

    /** The gap since the last report, or null when nothing was dropped; the next gap starts afresh. */
    Gap takeGap() {
        // a read first: the writer asks after every line, and nearly always nothing was dropped
        return unreported.get() == null ? null : unreported.getAndSet(null);
    }

    /** Lines of {@code logger} dropped since the process started. */
    long count(String logger) {
        LongAdder count = byLogger.get(logger);
        return count == null ? 0 : count.sum();
    }

    private static void register(MeterRegistry registry, String logger, LongAdder count) {
        if (registry.find(METER).tag("logger", logger).functionCounter() != null) {
            return; // bound while this logger's first drop was being counted; Micrometer would warn of the repeat
        }
        FunctionCounter.builder(METER, count, LongAdder::sum)
                .description("Log lines dropped because the log output (stdout) did not keep up; by logger, "
                        + "iamlet.audit for audit lines")
                .tag("logger", logger)
                .register(registry);
    }
}
