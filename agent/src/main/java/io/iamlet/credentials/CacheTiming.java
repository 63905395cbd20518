package io.iamlet.credentials;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Time and threads for the {@link CredentialCache}, injected so tests move a fake clock and run due tasks.
 * {@code clock} and {@code ticker} must advance together (wall time for credential expiry, nanos for Caffeine).
 *
 * @param scheduler runs renewals and Caffeine's prompt expiry
 * @param executor  runs Caffeine's maintenance and listeners, and the renewal tasks
 * @param jitter    values in [0,1) spreading retry delays
 */
public record CacheTiming(Clock clock, Ticker ticker, Scheduler scheduler, Executor executor, DoubleSupplier jitter) {

    public CacheTiming {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(jitter, "jitter");
    }

    /** UTC system clock, system ticker, Caffeine's JVM-wide scheduler thread, the common pool. */
    public static CacheTiming system() {
        return new CacheTiming(Clock.systemUTC(), Ticker.systemTicker(), Scheduler.systemScheduler(),
                ForkJoinPool.commonPool(), () -> ThreadLocalRandom.current().nextDouble());
    }
}
