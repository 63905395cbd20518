package io.iamlet.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Proof that a scheduler still runs its tasks: a tiny task scheduled on it records the time, and {@link #alive()}
 * says whether it did so recently. Schedule it on the executor that runs the agent's periodic work (key refresh,
 * credential renewal): if that executor deadlocks or its thread dies, {@code /healthz} fails and the kubelet
 * restarts the agent, instead of credentials silently expiring.
 */
public final class Heartbeat {

    private final Clock clock;
    private final Duration maxSilence;
    private volatile Instant last;

    /**
     * @param maxSilence how long without a beat still counts as alive; several periods, so that one slow task
     *                   ahead of the beat does not fail liveness
     */
    public Heartbeat(Clock clock, Duration maxSilence) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxSilence.isNegative() || maxSilence.isZero()) {
            throw new IllegalArgumentException("heartbeat maxSilence must be positive, was " + maxSilence);
        }
        this.maxSilence = maxSilence;
        this.last = clock.instant();
    }

    /** Beats now and then every {@code period} on {@code scheduler}. Cancel the returned future to stop. */
    public ScheduledFuture<?> start(ScheduledExecutorService scheduler, Duration period) {
        if (period.compareTo(maxSilence) >= 0) {
            throw new IllegalArgumentException("heartbeat period " + period + " must be shorter than maxSilence "
                    + maxSilence);
        }
        beat();
        return scheduler.scheduleAtFixedRate(this::beat, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Records that the scheduler ran a task now. */
    public void beat() {
        last = clock.instant();
    }

    /** Time since the last beat. */
    public Duration silence() {
        Duration d = Duration.between(last, clock.instant());
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** True while the last beat is at most {@code maxSilence} old. */
    public boolean alive() {
        return silence().compareTo(maxSilence) <= 0;
    }
}
