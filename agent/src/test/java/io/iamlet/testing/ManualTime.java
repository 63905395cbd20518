package io.iamlet.testing;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Fake time for tests, one count of nanoseconds seen three ways: a wall {@link Clock} (UTC), Caffeine's
 * {@link Ticker} (nanoseconds since the start) and a Caffeine {@link Scheduler}. Pass the same object wherever a
 * component takes any of them, so that all agree.
 *
 * <p>Time moves only when a test calls {@link #advance}. On the way every task that falls due runs, in order of due
 * time (then of scheduling), with the clock showing its due time; a task that a task schedules within the step runs
 * in the same step. Tasks run on the executor they were given, outside this object's lock, unless cancelled first.
 */
public final class ManualTime extends Clock implements Ticker, Scheduler {

    /** Where {@link #ManualTime()} starts. */
    public static final Instant DEFAULT_START = Instant.parse("2030-01-01T00:00:00Z");

    private record Task(long due, long seq, Executor executor, Runnable command, CompletableFuture<Void> handle) {
    }

    private final Instant start;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long nanos;
    private long seq;

    public ManualTime() {
        this(DEFAULT_START);
    }

    public ManualTime(Instant start) {
        this.start = start;
    }

    /** Caffeine's ticker: nanoseconds since the start. */
    @Override
    public synchronized long read() {
        return nanos;
    }

    @Override
    public synchronized Instant instant() {
        return start.plusNanos(nanos);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    /** The returned future completes once the task has run; cancelling it before then keeps the task from running. */
    @Override
    public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
        CompletableFuture<Void> handle = new CompletableFuture<>();
        tasks.add(new Task(nanos + unit.toNanos(delay), seq++, executor, command, handle));
        return handle;
    }

    /** Scheduled tasks neither run nor cancelled. */
    public synchronized int pending() {
        tasks.removeIf(t -> t.handle.isCancelled());
        return tasks.size();
    }

    /** Moves time forward by {@code step}, running the tasks that fall due at their due times. */
    public void advance(Duration step) {
        long target;
        synchronized (this) {
            target = nanos + step.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, next.due);
            }
            if (!next.handle.isCancelled()) {
                next.executor.execute(next.command);
                next.handle.complete(null);
            }
        }
    }
}
