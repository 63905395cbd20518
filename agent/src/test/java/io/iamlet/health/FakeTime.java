package io.iamlet.health;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A wall clock and a Caffeine scheduler that share one time, which moves only when a test calls {@link #advance}. */
final class FakeTime extends Clock implements Scheduler {

    private record Task(Instant due, Executor executor, Runnable command, CompletableFuture<Void> handle) {
    }

    private final List<Task> tasks = new ArrayList<>();
    private Instant now = Instant.parse("2030-01-01T00:00:00Z");

    @Override
    public synchronized Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
        Task task = new Task(now.plusNanos(unit.toNanos(delay)), executor, command, new CompletableFuture<>());
        tasks.add(task);
        return task.handle();
    }

    /** Moves time forward and runs the scheduled tasks that fall due, in order. */
    void advance(Duration by) {
        List<Task> due = new ArrayList<>();
        synchronized (this) {
            now = now.plus(by);
            tasks.removeIf(t -> {
                if (t.handle().isDone()) {
                    return true;
                }
                if (!t.due().isAfter(now)) {
                    due.add(t);
                    return true;
                }
                return false;
            });
        }
        for (Task task : due) {
            if (task.handle().complete(null)) {
                task.executor().execute(task.command());
            }
        }
    }

    /** Scheduled tasks neither run nor cancelled. */
    synchronized long pending() {
        return tasks.stream().filter(t -> !t.handle().isDone()).count();
    }
}
