package io.iamlet.health;

import io.iamlet.failure.Failure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A readiness condition that takes I/O to establish, e.g. "the node's own AWS credentials can be used" for the
 * assume-role source. A probe runs in the background every period; {@link #ready()} answers from its last result.
 *
 * <p>Ready means: the last completed probe succeeded, and it completed no longer than {@code maxAge} ago. So a
 * probe that starts hanging makes the check fail after {@code maxAge} rather than leaving a stale "ready" forever.
 * At most one probe runs at a time; one that has run longer than {@code maxAge} no longer holds the next back.
 *
 * <p>The detail shown by {@code /readyz?verbose} names a failure by its {@link Failure#reason()} or exception
 * class only, never by its message, which could carry whatever an SDK put there.
 */
public final class PolledCheck implements ReadinessCheck {

    private final Supplier<? extends CompletionStage<?>> probe;
    private final Clock clock;
    private final Duration maxAge;

    private record State(boolean ok, Instant completed, String failure) {
    }

    private volatile State state;
    private volatile Instant inFlightSince; // null when no probe runs

    /**
     * @param probe  starts one probe and returns its completion; must not block (run blocking work on an executor
     *               inside it). Completing normally, whatever the value, means success.
     * @param maxAge how old a successful result may be and still count; a few probe periods
     */
    public PolledCheck(Supplier<? extends CompletionStage<?>> probe, Clock clock, Duration maxAge) {
        this.probe = Objects.requireNonNull(probe, "probe");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
        }
        this.maxAge = maxAge;
    }

    /** Probes now and then every {@code period} on {@code scheduler}. Cancel the returned future to stop. */
    public ScheduledFuture<?> start(ScheduledExecutorService scheduler, Duration period) {
        return scheduler.scheduleWithFixedDelay(this::poll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts a probe unless one started less than {@code maxAge} ago is still running. */
    public void poll() {
        Instant now = clock.instant();
        synchronized (this) {
            Instant since = inFlightSince;
            if (since != null && Duration.between(since, now).compareTo(maxAge) < 0) {
                return;
            }
            inFlightSince = now;
        }
        CompletionStage<?> running;
        try {
            running = Objects.requireNonNull(probe.get(), "the probe returned no future");
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        running.whenComplete((value, error) -> finished(now, error));
    }

    private void finished(Instant started, Throwable error) {
        state = new State(error == null, clock.instant(), error == null ? null : describe(error));
        synchronized (this) {
            if (started.equals(inFlightSince)) {
                inFlightSince = null;
            }
        }
    }

    @Override
    public boolean ready() {
        State s = state;
        return s != null && s.ok() && !stale(s);
    }

    @Override
    public String detail() {
        State s = state;
        if (s == null) {
            return inFlightSince != null ? "first check running" : "not checked yet";
        }
        long ago = Duration.between(s.completed(), clock.instant()).toSeconds();
        if (!s.ok()) {
            return "last check failed " + ago + "s ago: " + s.failure();
        }
        return stale(s) ? "last success " + ago + "s ago, check overdue" : "last success " + ago + "s ago";
    }

    private boolean stale(State s) {
        return Duration.between(s.completed(), clock.instant()).compareTo(maxAge) > 0;
    }

    static String describe(Throwable error) {
        return Failure.find(error).map(Failure::reason).orElseGet(() -> {
            Throwable t = error;
            while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                    || t instanceof java.util.concurrent.ExecutionException)) {
                t = t.getCause();
            }
            return t.getClass().getSimpleName();
        });
    }
}
