package io.iamlet.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this agent can do its job now: every named {@link ReadinessCheck} holds and the agent is not stopping.
 * Serves {@code /readyz} ({@link #handler()}) and the gauges {@code iamlet.ready} (0/1) and
 * {@code iamlet.readiness.check} (0/1, tag {@code check}), so a dashboard shows which condition is missing.
 *
 * <p>The checks are fixed when built; the integrator names them after what they prove, for example:
 * <pre>{@code
 * Readiness readiness = Readiness.builder()
 *         .check("listeners", listenersBound::get)          // every configured server started
 *         .check("pod-informer", podIndex::synced)          // this node's pods listed at least once
 *         .check("jwks", verifier::ready)                   // only when the container endpoint is on
 *         .check("node-credentials", nodeCredentials)       // a PolledCheck, only with assume-role
 *         .build(registry);
 * }</pre>
 */
public final class Readiness {

    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
    static final String SHUTDOWN = "shutdown";

    private final Map<String, ReadinessCheck> checks;
    private volatile boolean stopping;

    private Readiness(Map<String, ReadinessCheck> checks, MeterRegistry registry) {
        this.checks = checks;
        Gauge.builder("iamlet.ready", this, r -> r.evaluate().ready() ? 1 : 0)
                .description("1 when every readiness check passes (what /readyz answers with 200)")
                .strongReference(true)
                .register(registry);
        checks.forEach((name, check) -> Gauge.builder("iamlet.readiness.check", check, c -> passes(c) ? 1 : 0)
                .description("1 when this readiness check passes")
                .tag("check", name)
                .strongReference(true)
                .register(registry));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The state of one check. */
    public record Result(String name, boolean ready, String detail) {
    }

    /** Every check's state, in the order they were added; {@code ready} when all pass. */
    public record Report(boolean ready, List<Result> results) {
        public Report {
            results = List.copyOf(results);
        }

        /** The names of the checks that fail. */
        public List<String> failing() {
            return results.stream().filter(r -> !r.ready()).map(Result::name).toList();
        }
    }

    /** Evaluates every check now. Cheap: the checks answer from memory. */
    public Report evaluate() {
        List<Result> results = new ArrayList<>(checks.size() + 1);
        boolean all = true;
        for (Map.Entry<String, ReadinessCheck> e : checks.entrySet()) {
            boolean ok = passes(e.getValue());
            all &= ok;
            results.add(new Result(e.getKey(), ok, detail(e.getValue())));
        }
        if (stopping) {
            all = false;
            results.add(new Result(SHUTDOWN, false, "iamlet is stopping"));
        }
        return new Report(all, results);
    }

    public boolean ready() {
        return evaluate().ready();
    }

    /** From now on not ready: called first when shutdown starts. */
    public void shuttingDown() {
        stopping = true;
    }

    /** The {@code GET /readyz} handler. */
    public ReadyzHandler handler() {
        return new ReadyzHandler(this);
    }

    private static boolean passes(ReadinessCheck check) {
        try {
            return check.ready();
        } catch (RuntimeException e) {
            LOG.warn("readiness check threw {}", e.toString());
            return false;
        }
    }

    private static String detail(ReadinessCheck check) {
        try {
            return check.detail();
        } catch (RuntimeException e) {
            return "check failed: " + e.getClass().getSimpleName();
        }
    }

    public static final class Builder {
        private final Map<String, ReadinessCheck> checks = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds a condition.
         *
         * @param name a short lower-case word, dashes or underscores allowed ({@code pod-informer}); shown by
         *             {@code /readyz} and used as the {@code check} tag
         */
        public Builder check(String name, ReadinessCheck check) {
            Objects.requireNonNull(check, "check");
            if (!NAME.matcher(name).matches() || name.equals(SHUTDOWN)) {
                throw new IllegalArgumentException(
                        "readiness check name must be a short lower-case word (not 'shutdown'), was "
                                + name);
            }
            if (checks.putIfAbsent(name, check) != null) {
                throw new IllegalArgumentException("readiness check " + name + " is added twice");
            }
            return this;
        }

        /** Registers the gauges in {@code registry}. With no check at all, ready means "not stopping". */
        public Readiness build(MeterRegistry registry) {
            return new Readiness(new LinkedHashMap<>(checks), Objects.requireNonNull(registry, "registry"));
        }
    }
}
