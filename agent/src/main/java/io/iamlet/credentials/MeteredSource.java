package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Counts and times every STS call of the source it wraps.
 *
 * <ul>
 *   <li>{@code iamlet.sts.requests} counter, tags {@code source}, {@code outcome} ({@code success},
 *       {@code denied}, {@code unavailable}), {@code error_code} (STS's code, {@code timeout},
 *       {@code unreachable}, {@code other}, or {@code none})</li>
 *   <li>{@code iamlet.sts.request} timer, tag {@code source}: latency of each call, failures included</li>
 * </ul>
 */
public final class MeteredSource implements CredentialSource {

    private final CredentialSource delegate;
    private final MeterRegistry registry;
    private final Timer latency;
    private final Counter successes;

    public MeteredSource(CredentialSource delegate, MeterRegistry registry) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.latency = Timer.builder("iamlet.sts.request")
                .description("Latency of STS calls, failures included")
                .tag("source", delegate.name())
                .register(registry);
        this.successes = counter("success", "none");
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public CacheKey keyFor(Identity identity) {
        return delegate.keyFor(identity);
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity) {
        return fetch(identity, Budget.BACKGROUND);
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity, Budget budget) {
        Timer.Sample sample = Timer.start(registry);
        CompletableFuture<Credentials> result;
        try {
            result = delegate.fetch(identity, budget);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.whenComplete((credentials, error) -> {
            sample.stop(latency);
            if (error == null) {
                successes.increment();
            } else {
                String outcome = Failure.find(error).filter(f -> f instanceof Failure.Denied).isPresent()
                        ? "denied" : "unavailable";
                counter(outcome, StsErrors.metricCode(error)).increment();
            }
        });
    }

    private Counter counter(String outcome, String errorCode) {
        return Counter.builder("iamlet.sts.requests")
                .description("STS calls by outcome and STS error code")
                .tag("source", delegate.name())
                .tag("outcome", outcome)
                .tag("error_code", errorCode)
                .register(registry);
    }
}
