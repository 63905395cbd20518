package io.iamlet.health;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the agent in order, within one overall deadline ({@code --shutdown-timeout}), so that the process exits
 * before the kubelet's termination grace period runs out and SIGKILLs it mid-answer.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Steps run one after another, in the order added. Each is told the time left until the deadline (pass it
 *       to {@code HttpServer.stop(Duration)}, which stops accepting, lets requests in progress finish and then
 *       closes what is left).</li>
 *   <li>A step that fails is logged and the sequence goes on: one broken component must not keep the others
 *       open. A step still running at the deadline is abandoned (logged as {@code timed_out}); the steps after it
 *       still run, with zero time left, so that closing calls still happen.</li>
 *   <li>{@link #run()} completes by the deadline (plus the time the last synchronous step takes to return), never
 *       exceptionally, and only once however often it is called (a second SIGTERM changes nothing).</li>
 * </ul>
 *
 * <p>A typical order: readiness off; the credential and metadata listeners (in one step, stopped in parallel);
 * the pod informer, the verifier, the credential cache; the probe and metrics listeners; the event loops.
 */
public final class ShutdownSequence {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownSequence.class);

    /** One step; it is given the time left and completes when done (on any thread). */
    @FunctionalInterface
    public interface Step {
        CompletionStage<?> run(Duration remaining);
    }

    /** How a step ended: {@code done}, {@code failed} or {@code timed_out}. */
    public record Outcome(String step, String result, Duration took) {
    }

    private record Named(String name, Step step) {
    }

    private final Duration timeout;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Executor blocking;
    private final List<Named> steps = new ArrayList<>();
    private CompletableFuture<List<Outcome>> running;

    /** With the real clock, Caffeine's system scheduler and a new daemon thread per blocking step. */
    public ShutdownSequence(Duration timeout) {
        this(timeout, Clock.systemUTC(), Scheduler.systemScheduler(),
                task -> Thread.ofPlatform().daemon(true).name("iamlet-shutdown").start(task));
    }

    /**
     * @param scheduler fires the deadline of each step
     * @param blocking  runs the {@link #thenRun} steps, which may block, and starts each step after the first
     */
    public ShutdownSequence(Duration timeout, Clock clock, Scheduler scheduler, Executor blocking) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--shutdown-timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    /** Adds an asynchronous step, e.g. {@code remaining -> server.stop(remaining)}. */
    public synchronized ShutdownSequence then(String name, Step step) {
        if (running != null) {
            throw new IllegalStateException("the shutdown sequence has already started");
        }
        steps.add(new Named(Objects.requireNonNull(name, "name"), Objects.requireNonNull(step, "step")));
        return this;
    }

    /** Adds a step that may block (e.g. {@code podIndex::stop}); it runs on the blocking executor. */
    public ShutdownSequence thenRun(String name, Runnable action) {
        Objects.requireNonNull(action, "action");
        return then(name, remaining -> CompletableFuture.runAsync(action, blocking));
    }

    /** Runs the steps (the first call only); the future lists how each ended. */
    public synchronized CompletableFuture<List<Outcome>> run() {
        if (running == null) {
            Instant deadline = clock.instant().plus(timeout);
            LOG.atInfo().setMessage("shutting down").addKeyValue("timeout", timeout.toString())
                    .addKeyValue("steps", steps.size()).log();
            running = next(List.copyOf(steps), 0, deadline, new ArrayList<>());
        }
        return running;
    }

    private CompletableFuture<List<Outcome>> next(List<Named> all, int index, Instant deadline,
                                                  List<Outcome> outcomes) {
        if (index == all.size()) {
            LOG.atInfo().setMessage("shutdown done").addKeyValue("steps", outcomes.size())
                    .addKeyValue("late", outcomes.stream().filter(o -> !o.result().equals("done")).count()).log();
            return CompletableFuture.completedFuture(List.copyOf(outcomes));
        }
        Named named = all.get(index);
        Instant start = clock.instant();
        Duration remaining = Duration.between(start, deadline);
        remaining = remaining.isNegative() ? Duration.ZERO : remaining;
        // Each step starts on the blocking executor, never on the thread that completed the previous one (an event
        // loop, the timer thread).
        return attempt(named, remaining).thenComposeAsync(result -> {
            Duration took = Duration.between(start, clock.instant());
            Outcome outcome = new Outcome(named.name(), result, took);
            outcomes.add(outcome);
            if (result.equals("done")) {
                LOG.atInfo().setMessage("shutdown step done").addKeyValue("step", named.name())
                        .addKeyValue("tookMs", took.toMillis()).log();
            } else {
                LOG.atWarn().setMessage("shutdown step {}").addArgument(result).addKeyValue("step", named.name())
                        .addKeyValue("tookMs", took.toMillis()).log();
            }
            return next(all, index + 1, deadline, outcomes);
        }, blocking);
    }

    /** The step's result word, by the step's end or the deadline, whichever comes first. */
    private CompletableFuture<String> attempt(Named named, Duration remaining) {
        CompletableFuture<String> result = new CompletableFuture<>();
        try {
            named.step().run(remaining).whenComplete((v, error) -> {
                if (error != null) {
                    LOG.atWarn().setMessage("shutdown step failed: {}").addArgument(error.toString())
                            .addKeyValue("step", named.name()).log();
                }
                result.complete(error == null ? "done" : "failed");
            });
        } catch (RuntimeException e) {
            LOG.atWarn().setMessage("shutdown step failed: {}").addArgument(e.toString())
                    .addKeyValue("step", named.name()).log();
            result.complete("failed");
        }
        if (!result.isDone()) {
            scheduler.schedule(Runnable::run, () -> result.complete("timed_out"), remaining.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        return result;
    }
}
