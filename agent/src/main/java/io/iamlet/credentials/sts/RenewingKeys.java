package io.iamlet.credentials.sts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Keys fetched when first needed, kept, and fetched again before they expire: within {@link #PREFETCH} of expiry a
 * call still gets the kept keys while one fetch runs in the background; within {@link #STALE} it waits for that
 * fetch. At most one fetch runs at a time. Keys without an expiry are kept for good. (The AWS SDK's cached
 * providers behave alike.)
 */
final class RenewingKeys implements NodeKeys {

    static final Duration PREFETCH = Duration.ofMinutes(5);
    static final Duration STALE = Duration.ofMinutes(1);

    private final String name;
    private final Supplier<CompletableFuture<AwsKeys>> fetch;
    private final Clock clock;
    private AwsKeys kept;
    private CompletableFuture<AwsKeys> fetching;

    RenewingKeys(String name, Supplier<CompletableFuture<AwsKeys>> fetch, Clock clock) {
        this.name = name;
        this.fetch = fetch;
        this.clock = clock;
    }

    @Override
    public synchronized CompletableFuture<AwsKeys> keys() {
        Instant now = clock.instant();
        AwsKeys current = kept;
        if (current != null && (current.expiration() == null || now.plus(PREFETCH).isBefore(current.expiration()))) {
            return CompletableFuture.completedFuture(current);
        }
        CompletableFuture<AwsKeys> running = fetching == null ? start() : fetching;
        if (current != null && now.plus(STALE).isBefore(current.expiration())) {
            return CompletableFuture.completedFuture(current);
        }
        return running.copy();
    }

    private CompletableFuture<AwsKeys> start() {
        CompletableFuture<AwsKeys> started;
        try {
            started = fetch.get();
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        fetching = started;
        started.whenComplete((keys, error) -> {
            synchronized (this) {
                if (error == null) {
                    kept = keys;
                }
                fetching = null;
            }
        });
        return started;
    }

    @Override
    public String toString() {
        return "RenewingKeys[" + name + "]";
    }
}
