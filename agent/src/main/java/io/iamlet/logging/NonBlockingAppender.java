package io.iamlet.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.event.KeyValuePair;

/**
 * Hands log lines to one writer thread and never makes the logging thread wait. It replaces logback's
 * AsyncAppender, which either blocks its callers when its queue is full or, with {@code neverBlock}, drops lines
 * without a trace.
 *
 * <p>Why: lines are logged on Netty's event loops (a cached grant writes its audit line there). When stdout stalls
 * (a slow log collector, a full pipe), the writer blocks in {@code write}; were the queue to block as well, the
 * event loops would stop behind it, and with them credential serving and the probes.
 *
 * <p>Invariants:
 * <ul>
 *   <li>{@link #append} only offers to a bounded queue ({@code queueSize}). A full queue drops the line and counts it
 *       by logger name in {@link DroppedLines} (meter {@code iamlet.log.lines.dropped}).</li>
 *   <li>Never silent: when the writer has caught up (the queue is empty) after a loss, it writes one WARN line
 *       saying how many lines were dropped since when, and how many of them were audit lines. When audit lines
 *       were lost that line goes on the {@code iamlet.audit} logger (with {@code audit: true}), so the gap shows in
 *       the audit trail itself; otherwise on {@code iamlet.logging}.</li>
 *   <li>On stop, the lines still queued are written, for at most {@code maxFlushTime} milliseconds.</li>
 * </ul>
 */
public final class NonBlockingAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
        implements AppenderAttachable<ILoggingEvent> {

    static final String NOTICE_LOGGER = "iamlet.logging";
    private static final String FQCN = NonBlockingAppender.class.getName();

    private final AppenderAttachableImpl<ILoggingEvent> downstream = new AppenderAttachableImpl<>();
    private int queueSize = 8192;
    private int maxFlushTime = 1000;
    private DroppedLines dropped = DroppedLines.shared();
    private volatile BlockingQueue<ILoggingEvent> queue;
    private Thread writer;

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public int getQueueSize() {
        return queueSize;
    }

    /** Milliseconds that {@link #stop()} waits for queued lines to be written. */
    public void setMaxFlushTime(int maxFlushTime) {
        this.maxFlushTime = maxFlushTime;
    }

    public int getMaxFlushTime() {
        return maxFlushTime;
    }

    /** For tests: count drops in a tally of their own rather than the process's. */
    void countDropsIn(DroppedLines tally) {
        this.dropped = tally;
    }

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        if (queueSize < 1) {
            addError("queueSize must be positive, was " + queueSize);
            return;
        }
        if (!downstream.iteratorForAppenders().hasNext()) {
            addError("no appender attached to " + getName() + ": it would write nothing");
            return;
        }
        queue = new ArrayBlockingQueue<>(queueSize);
        writer = Thread.ofPlatform().daemon().name("iamlet-log-writer").unstarted(this::writeUntilStopped);
        super.start();
        writer.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        // message formatting, MDC and thread name are taken now, on the logging thread, as AsyncAppender does
        event.prepareForDeferredProcessing();
        if (!queue.offer(event)) {
            dropped.record(event.getLoggerName(), event.getInstant());
        }
    }

    private void writeUntilStopped() {
        BlockingQueue<ILoggingEvent> lines = queue;
        try {
            while (isStarted()) {
                downstream.appendLoopOnAppenders(lines.take());
                if (lines.isEmpty()) {
                    reportGap();
                }
            }
        } catch (InterruptedException stopping) {
            // stop() interrupts the wait for the next line; what is left is written below
        }
        Thread.interrupted(); // the interrupt may have arrived during a write rather than the wait
        List<ILoggingEvent> rest = new ArrayList<>(lines.size());
        lines.drainTo(rest);
        for (ILoggingEvent line : rest) {
            downstream.appendLoopOnAppenders(line);
        }
        reportGap();
    }

    private void reportGap() {
        DroppedLines.Gap gap = dropped.takeGap();
        if (gap == null) {
            return;
        }
        boolean audit = gap.audit() > 0;
        String logger = audit ? DroppedLines.AUDIT_LOGGER : NOTICE_LOGGER;
        String message = gap.total() + " log lines dropped since " + gap.since() + " (" + gap.audit()
                + " of them audit lines): the log output did not keep up";
        LoggingEvent notice = new LoggingEvent(FQCN, ((LoggerContext) getContext()).getLogger(logger), Level.WARN,
                message, null, null);
        if (audit) {
            notice.addKeyValuePair(new KeyValuePair("audit", true));
        }
        notice.addKeyValuePair(new KeyValuePair("dropped_lines", gap.total()));
        notice.addKeyValuePair(new KeyValuePair("dropped_audit_lines", gap.audit()));
        notice.addKeyValuePair(new KeyValuePair("dropped_since", gap.since().toString()));
        downstream.appendLoopOnAppenders(notice);
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        writer.interrupt();
        try {
            writer.join(maxFlushTime);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            addWarn("the log output did not take the last " + queue.size() + " queued lines within "
                    + maxFlushTime + " ms");
        }
        downstream.detachAndStopAllAppenders();
    }

    @Override
    public void addAppender(Appender<ILoggingEvent> appender) {
        downstream.addAppender(appender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return downstream.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return downstream.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return downstream.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        downstream.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return downstream.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return downstream.detachAppender(name);
    }
}
