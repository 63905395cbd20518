package io.iamlet.credentials;

import com.github.benmanes.caffeine.cache.AsyncCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * The cache's meters, all tagged {@code source}:
 * {@code iamlet.cache.hits}, {@code iamlet.cache.misses} (counters), {@code iamlet.cache.renewals} (counter, tag
 * {@code outcome}: success, failed, denied, unwanted, idle, no_token, token_refused), {@code iamlet.cache.evictions}
 * (counter, tag {@code cause}: expired, size, denied), {@code iamlet.credentials.remaining} (summary, seconds of
 * lifetime left on credentials when served), {@code iamlet.cache.identities} (gauge, entries cached),
 * {@code iamlet.sts.calls.suppressed} (counter, tag {@code outcome}: denied, unavailable; requests answered with a
 * remembered failure instead of a new STS call).
 */
final class CacheMeters {

    private final MeterRegistry registry;
    private final String source;
    private final Counter hits;
    private final Counter misses;
    private final DistributionSummary remaining;

    CacheMeters(MeterRegistry registry, String source, AsyncCache<?, ?> cache) {
        this.registry = registry;
        this.source = source;
        this.hits = Counter.builder("iamlet.cache.hits").description("Credentials served from the cache")
                .tag("source", source).register(registry);
        this.misses = Counter.builder("iamlet.cache.misses")
                .description("Requests not answered from the cache at once").tag("source", source).register(registry);
        this.remaining = DistributionSummary.builder("iamlet.credentials.remaining")
                .description("Lifetime left on credentials when served").baseUnit("seconds")
                .tag("source", source).register(registry);
        Gauge.builder("iamlet.cache.identities", cache, c -> c.synchronous().estimatedSize())
                .description("Identities with cached credentials").tag("source", source).register(registry);
        for (String outcome : new String[] {"success", "failed", "denied", "unwanted", "idle", "no_token",
                "token_refused"}) {
            renewal(outcome, 0);
        }
        for (String outcome : new String[] {"denied", "unavailable"}) {
            suppressed(outcome, 0);
        }
        for (String cause : new String[] {"expired", "size", "denied"}) {
            eviction(cause, 0);
        }
    }

    void lookup(boolean hit) {
        (hit ? hits : misses).increment();
    }

    void served(Duration left) {
        remaining.record(Math.max(0, left.toSeconds()));
    }

    void renewal(String outcome) {
        renewal(outcome, 1);
    }

    void eviction(String cause) {
        eviction(cause, 1);
    }

    void suppressed(String outcome) {
        suppressed(outcome, 1);
    }

    private void suppressed(String outcome, double amount) {
        Counter.builder("iamlet.sts.calls.suppressed")
                .description("Requests answered with a remembered failed load instead of a new STS call")
                .tag("source", source).tag("outcome", outcome).register(registry).increment(amount);
    }

    private void renewal(String outcome, double amount) {
        Counter.builder("iamlet.cache.renewals").description("Background renewals by outcome")
                .tag("source", source).tag("outcome", outcome).register(registry).increment(amount);
    }

    private void eviction(String cause, double amount) {
        Counter.builder("iamlet.cache.evictions").description("Credentials dropped from the cache by cause")
                .tag("source", source).tag("cause", cause).register(registry).increment(amount);
    }
}
