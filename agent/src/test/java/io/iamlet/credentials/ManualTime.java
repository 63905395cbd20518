package io.iamlet.credentials;

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
 * Fake time for the cache: one counter of nanoseconds behind the wall clock, Caffeine's ticker and a scheduler.
 * {@link #advance} moves time forward, running every task that falls due on the way, in order, at its due time.
 */
final class ManualTime implements Ticker, Scheduler {

    private record Task(long due, long seq, Executor executor, Runnable command, CompletableFuture<Void> handle) {
    }

    private final Instant epoch;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long nanos;
    private long seq;

    ManualTime(Instant epoch) {
        this.epoch = epoch;
    }

    @Override
    public synchronized long read() {
        return nanos;
    }

    synchronized Instant now() {
        return epoch.plusNanos(nanos);
    }

    Duration elapsed() {
        return Duration.ofNanos(read());
    }

    @Override
    public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
        CompletableFuture<Void> handle = new CompletableFuture<>();
        tasks.add(new Task(nanos + unit.toNanos(delay), seq++, executor, command, handle));
        return handle;
    }

    synchronized int pendingTasks() {
        tasks.removeIf(t -> t.handle.isCancelled());
        return tasks.size();
    }

    /** Moves time forward by {@code step}, running due tasks at their due times. */
    void advance(Duration step) {
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

    Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now();
            }
        };
    }
}
