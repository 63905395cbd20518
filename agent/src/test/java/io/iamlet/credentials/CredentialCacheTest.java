package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.credentials.CredentialProvider.Served;
import io.iamlet.credentials.CredentialSource.CacheKey;
import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CredentialCacheTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/reader";

    private final ManualTime time = new ManualTime(Instant.parse("2030-01-01T00:00:00Z"));
    private final FakeSource source = new FakeSource(time);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Set<CacheKey> unwanted = ConcurrentHashMap.newKeySet();
    private CredentialCache cache = cache(CacheSettings.defaults(), key -> !unwanted.contains(key));

    @AfterEach
    void close() {
        cache.close();
    }

    private CredentialCache cache(CacheSettings settings, Predicate<CacheKey> stillWanted) {
        return new CredentialCache(source, settings, stillWanted, registry,
                new CacheTiming(time, time, time, Runnable::run, () -> 0.0));
    }

    private static Identity identity(String serviceAccount) {
        return identity(serviceAccount, "token-of-" + serviceAccount);
    }

    private static Identity identity(String serviceAccount, String token) {
        return new Identity(ROLE, "team-a", serviceAccount, "pod-1", "uid-1", new Identity.WebIdentityToken(token));
    }

    private Served get(Identity identity) {
        return cache.get(identity).join();
    }

    private Duration remaining(Served served) {
        return Duration.between(time.instant(), served.credentials().expiration());
    }

    private double count(String name, String tag, String value) {
        return registry.get(name).tag(tag, value).counter().count();
    }

    @Test
    void firstRequestWaitsOnStsAndLaterOnesHitTheCache() {
        Served first = get(identity("reader"));
        Served second = get(identity("reader"));

        assertThat(first.cacheHit()).isFalse();
        assertThat(second.cacheHit()).isTrue();
        assertThat(second.credentials()).isEqualTo(first.credentials());
        assertThat(source.fetchCount()).isEqualTo(1);
        assertThat(registry.get("iamlet.cache.hits").counter().count()).isEqualTo(1);
        assertThat(registry.get("iamlet.cache.misses").counter().count()).isEqualTo(1);
        assertThat(registry.get("iamlet.credentials.remaining").summary().max()).isEqualTo(3600);
    }

    @ParameterizedTest(name = "{0} credentials renew after {1}")
    @CsvSource({
        "PT1H, PT30M",      // 30 min before expiry comes before 80 % (48 min)
        "PT6H, PT4H48M",    // 80 % (4.8 h) comes before 30 min before expiry (5.5 h)
        "PT2H, PT1H30M",    // 30 min before expiry (1.5 h) comes before 80 % (1.6 h)
        "PT15M, PT7M30S",   // too short to keep 30 min: half the lifetime, never a renewal loop
    })
    void renewsAtTheEarlierOfEightyPercentAndThirtyMinutesBeforeExpiry(Duration lifetime, Duration renewsAfter) {
        source.lifetime(lifetime);
        get(identity("reader"));

        time.advance(renewsAfter.minusSeconds(1));
        assertThat(source.fetchCount()).isEqualTo(1);
        time.advance(Duration.ofSeconds(1));
        assertThat(source.fetchCount()).isEqualTo(2);

        Served renewed = get(identity("reader"));
        assertThat(renewed.cacheHit()).isTrue();
        assertThat(remaining(renewed)).isEqualTo(lifetime);
        assertThat(count("iamlet.cache.renewals", "outcome", "success")).isEqualTo(1);
    }

    @Test
    void servedCredentialsKeepAtLeastThirtyMinutesWhileStsIsHealthy() {
        get(identity("reader"));
        for (int minute = 0; minute < 6 * 60; minute++) {
            time.advance(Duration.ofMinutes(1));
            Served served = get(identity("reader"));
            assertThat(served.cacheHit()).isTrue();
            assertThat(remaining(served)).isGreaterThanOrEqualTo(Duration.ofMinutes(30));
        }
        assertThat(source.fetchCount()).isEqualTo(1 + 12);
    }

    @Test
    void renewalFailureKeepsServingTheValidCredentialsAndRetriesWithBackoff() {
        Served original = get(identity("reader"));
        source.failAlways(FakeSource.unavailable());

        time.advance(Duration.ofMinutes(30));
        time.advance(Duration.ofSeconds(1 + 2 + 4 + 8));
        Served during = get(identity("reader"));

        assertThat(during.cacheHit()).isTrue();
        assertThat(during.credentials()).isEqualTo(original.credentials());
        List<Duration> retryTimes = source.fetches().stream().skip(1)
                .map(f -> Duration.between(Instant.parse("2030-01-01T00:00:00Z"), f.at())).toList();
        // jitter 0 halves each delay: 2 s, 4 s, 8 s, 16 s become 1 s, 2 s, 4 s, 8 s
        assertThat(retryTimes).containsExactly(Duration.ofMinutes(30), Duration.ofSeconds(1801),
                Duration.ofSeconds(1803), Duration.ofSeconds(1807), Duration.ofSeconds(1815));
        assertThat(count("iamlet.cache.renewals", "outcome", "failed")).isEqualTo(5);

        source.failAlways(null);
        time.advance(Duration.ofSeconds(16));
        Served after = get(identity("reader"));
        assertThat(after.credentials()).isNotEqualTo(original.credentials());
        assertThat(remaining(after)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void retriesBackOffNoFurtherThanTheCap() {
        get(identity("reader"));
        source.failAlways(FakeSource.unavailable());
        time.advance(Duration.ofMinutes(30));
        int before = source.fetchCount();
        time.advance(Duration.ofMinutes(10));
        // after 1, 3, 7, 15, 31, 63 s, then every 60 s (the 2 min cap, halved by jitter 0) up to 543 s
        assertThat(source.fetchCount() - before).isEqualTo(14);
    }

    @Test
    void deniedRenewalEvictsTheCredentials() {
        Served original = get(identity("reader"));
        source.failNext(FakeSource.denied());

        time.advance(Duration.ofMinutes(30));
        Served next = get(identity("reader"));

        assertThat(next.cacheHit()).isFalse();
        assertThat(next.credentials()).isNotEqualTo(original.credentials());
        assertThat(count("iamlet.cache.evictions", "cause", "denied")).isEqualTo(1);
        assertThat(count("iamlet.cache.renewals", "outcome", "denied")).isEqualTo(1);
    }

    @Test
    void neverServesExpiredCredentials() {
        Served original = get(identity("reader"));
        source.failAlways(FakeSource.unavailable());
        Instant expiry = original.credentials().expiration();

        while (time.instant().isBefore(expiry.plusSeconds(60))) {
            time.advance(Duration.ofSeconds(20));
            CompletableFuture<Served> served = cache.get(identity("reader"));
            if (time.instant().isBefore(expiry.minus(Duration.ofMinutes(1)))) {
                assertThat(served.join().credentials()).isEqualTo(original.credentials());
            } else {
                assertThatThrownBy(served::join).hasCauseInstanceOf(Failure.Unavailable.class);
            }
        }
        cache.cleanUp();
        assertThat(count("iamlet.cache.evictions", "cause", "expired")).isEqualTo(1);
    }

    @Test
    void stopsRenewingWhenNoPodOnTheNodeWantsTheKey() {
        Identity reader = identity("reader");
        get(reader);
        unwanted.add(source.keyFor(reader));

        time.advance(Duration.ofMinutes(59).plusSeconds(1));
        cache.cleanUp();

        assertThat(source.fetchCount()).isEqualTo(1);
        assertThat(cache.size()).isZero();
        assertThat(count("iamlet.cache.renewals", "outcome", "unwanted")).isEqualTo(1);
        assertThat(count("iamlet.cache.evictions", "cause", "expired")).isEqualTo(1);
    }

    @Test
    void stopsRenewingCredentialsNobodyUsedForLong() {
        get(identity("reader"));

        time.advance(Duration.ofHours(5));

        // renewed every 30 min while used within the idle limit (3 h), then left to expire
        assertThat(source.fetchCount()).isEqualTo(1 + 6);
        assertThat(count("iamlet.cache.renewals", "outcome", "idle")).isEqualTo(1);
        assertThat(cache.size()).isZero();
    }

    @Test
    void renewalUsesTheFreshestTokenSeenForTheKey() {
        get(identity("reader", "token-1"));
        time.advance(Duration.ofMinutes(10));
        get(identity("reader", "token-2"));

        time.advance(Duration.ofMinutes(20));

        assertThat(source.fetches()).hasSize(2);
        assertThat(source.fetches().get(1).identity().token().value()).isEqualTo("token-2");
    }

    @Test
    void holdsNoMoreIdentitiesThanConfigured() {
        cache.close();
        cache = cache(CacheSettings.of(0.8, Duration.ofMinutes(30), 2), key -> true);

        get(identity("a"));
        get(identity("b"));
        get(identity("c"));

        assertThat(cache.size()).isEqualTo(2);
        assertThat(count("iamlet.cache.evictions", "cause", "size")).isEqualTo(1);
    }

    @Test
    void aFailedFirstLoadIsNotCached() {
        source.failNext(FakeSource.denied());

        assertThatThrownBy(() -> get(identity("reader"))).hasCauseInstanceOf(Failure.Denied.class);
        Served retry = get(identity("reader"));

        assertThat(retry.cacheHit()).isFalse();
        assertThat(source.fetchCount()).isEqualTo(2);
    }

    @Test
    void prefetchLoadsSoTheFirstRequestIsAHit() {
        cache.prefetch(identity("reader"));
        cache.prefetch(identity("reader"));

        assertThat(source.fetchCount()).isEqualTo(1);
        assertThat(get(identity("reader")).cacheHit()).isTrue();
    }

    @Test
    void closingStopsRenewals() {
        get(identity("reader"));
        cache.close();

        time.advance(Duration.ofHours(2));

        assertThat(source.fetchCount()).isEqualTo(1);
        assertThatThrownBy(() -> get(identity("reader"))).hasCauseInstanceOf(Failure.Unavailable.class);
    }
}
