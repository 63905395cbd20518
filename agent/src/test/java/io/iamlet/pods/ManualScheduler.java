package io.iamlet.pods;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A scheduler whose time only moves when a test calls {@link #advance}. */
final class ManualScheduler implements Scheduler {

    private record Task(long dueNanos, Executor executor, Runnable command, CompletableFuture<Void> handle) {}

    private final List<Task> tasks = new ArrayList<>();
    private long nowNanos;

    @Override
    public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
        Task task = new Task(nowNanos + unit.toNanos(delay), executor, command, new CompletableFuture<>());
        tasks.add(task);
        return task.handle();
    }

    /** Moves time forward and runs every task that falls due and was not cancelled. */
    void advance(Duration by) {
        List<Task> due = new ArrayList<>();
        synchronized (this) {
            nowNanos += by.toNanos();
            tasks.removeIf(t -> {
                if (t.handle().isDone()) {
                    return true;
                }
                if (t.dueNanos() <= nowNanos) {
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

    /** Tasks neither run nor cancelled. */
    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.handle().isDone()).count();
    }
}
