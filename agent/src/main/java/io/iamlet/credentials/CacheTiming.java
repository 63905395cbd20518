package io.iamlet.credentials;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Time and threads for the {@link CredentialCache}, injected so tests move a fake clock and run due tasks.
 * {@code clock} and {@code ticker} must advance together (wall time for credential expiry, nanos for Caffeine).
 *
 * @param scheduler runs renewals and Caffeine's prompt expiry
 * @param executor  starts every STS call (the SDK does some work, possibly blocking, on the calling thread), runs
 *                  renewal tasks, Caffeine's maintenance and listeners; never a Netty event loop
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

    /**
     * UTC system clock, system ticker, Caffeine's JVM-wide scheduler thread, and a virtual thread per task (not the
     * common pool: it has one thread on a two-core node, and starting an STS call may block briefly).
     */
    public static CacheTiming system() {
        return new CacheTiming(Clock.systemUTC(), Ticker.systemTicker(), Scheduler.systemScheduler(),
                Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("iamlet-credentials-", 0).factory()),
                () -> ThreadLocalRandom.current().nextDouble());
    }
}
