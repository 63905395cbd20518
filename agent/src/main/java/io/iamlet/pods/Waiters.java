package io.iamlet.pods;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.iamlet.failure.Failure;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Lookups parked on a key the index cannot answer yet (an IP nobody owns, or a pod uid never seen), each with a
 * deadline.
 *
 * <p>A waiter leaves the map however its future completes (pod indexed, deadline, caller cancelled, index
 * stopped), and its timer is cancelled then, so nothing accumulates: the number parked is bounded by the requests
 * in flight, which the listeners' connection limits bound. Sets of waiters are only mutated inside
 * {@link ConcurrentMap#compute}, which serialises them per key with {@link #complete}'s removal.
 */
final class Waiters {

    private final Scheduler scheduler;
    private final ConcurrentMap<String, Set<CompletableFuture<PodInfo>>> byKey = new ConcurrentHashMap<>();

    Waiters(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** A future completed by {@link #complete} for this key, or failed with {@code onTimeout} after {@code bound}. */
    CompletableFuture<PodInfo> register(String key, Duration bound, Supplier<Failure> onTimeout) {
        CompletableFuture<PodInfo> waiter = new CompletableFuture<>();
        byKey.compute(key, (k, set) -> {
            Set<CompletableFuture<PodInfo>> next = set == null ? new HashSet<>(2) : set;
            next.add(waiter);
            return next;
        });
        Future<?> timer = scheduler.schedule(Runnable::run, () -> waiter.completeExceptionally(onTimeout.get()),
                bound.toNanos(), TimeUnit.NANOSECONDS);
        waiter.whenComplete((pod, failure) -> {
            timer.cancel(false);
            byKey.computeIfPresent(key, (k, set) -> {
                set.remove(waiter);
                return set.isEmpty() ? null : set;
            });
        });
        return waiter;
    }

    /** Completes every waiter for this key with the pod that now answers it. */
    void complete(String key, PodInfo pod) {
        Set<CompletableFuture<PodInfo>> waiting = byKey.remove(key);
        if (waiting != null) {
            waiting.forEach(waiter -> waiter.complete(pod));
        }
    }

    /** Fails every waiter (the index is stopping). */
    void failAll(Supplier<Failure> failure) {
        for (String key : Set.copyOf(byKey.keySet())) {
            Set<CompletableFuture<PodInfo>> waiting = byKey.remove(key);
            if (waiting != null) {
                waiting.forEach(waiter -> waiter.completeExceptionally(failure.get()));
            }
        }
    }

    /** Number of parked lookups (a gauge, and the leak check in tests). */
    int pending() {
        return byKey.values().stream().mapToInt(Set::size).sum();
    }
}
