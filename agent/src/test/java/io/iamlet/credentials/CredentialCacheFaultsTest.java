package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.iamlet.credentials.CredentialProvider.Served;
import io.iamlet.credentials.CredentialSource.Budget;
import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cache under STS faults, on the fake clock: failed loads remembered (negative caching), the short budget of
 * a load a caller waits for, renewal that never sends a dead token, and renewals spread by jitter.
 */
class CredentialCacheFaultsTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/reader";
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final ManualTime time = new ManualTime(START);
    private final FakeSource source = new FakeSource(time);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CacheSettings settings = CacheSettings.defaults()
            .withFailedLoads(Duration.ofSeconds(3), Duration.ofSeconds(30));
    private CredentialCache cache = cache(() -> 0.5);

    @AfterEach
    void close() {
        cache.close();
    }

    private CredentialCache cache(DoubleSupplier jitter) {
        return new CredentialCache(source, settings, key -> true, registry,
                new CacheTiming(time, time, time, Runnable::run, jitter));
    }

    private void useJitter(DoubleSupplier jitter) {
        cache.close();
        cache = cache(jitter);
    }

    /** A pod of service account {@code reader} presenting a token that expires in {@code tokenLife}. */
    private Identity pod(String token, Duration tokenLife) {
        return new Identity(ROLE, "team-a", "reader", "pod-1", "uid-1",
                new Identity.WebIdentityToken(token, time.instant().plus(tokenLife)));
    }

    private Identity pod(String token) {
        return pod(token, Duration.ofHours(1));
    }

    private Served get(Identity identity) {
        return cache.get(identity).join();
    }

    private Failure failureOf(Identity identity) {
        try {
            cache.get(identity).join();
        } catch (CompletionException e) {
            return Failure.find(e).orElseThrow();
        }
        throw new AssertionError("expected the request to fail");
    }

    private double count(String name, String tag, String value) {
        return registry.get(name).tag(tag, value).counter().count();
    }

    private List<Budget> budgets() {
        return source.fetches().stream().map(FakeSource.Fetch::budget).toList();
    }

    @Test
    void aFailedLoadIsAnsweredAgainWithoutAnStsCallUntilItsLifetimeEnds() {
        source.failNext(FakeSource.unavailable());

        Failure first = failureOf(pod("t1"));
        for (int retry = 0; retry < 10; retry++) {
            time.advance(Duration.ofMillis(290));
            Failure again = failureOf(pod("t1"));
            assertThat(again.status()).isEqualTo(503);
            assertThat(again.reason()).isEqualTo(first.reason()).isEqualTo("sts_throttled");
        }
        assertThat(source.fetchCount()).isEqualTo(1);
        assertThat(count("iamlet.sts.calls.suppressed", "outcome", "unavailable")).isEqualTo(10);
        assertThat(registry.get("iamlet.cache.hits").counter().count()).as("a failure is no hit").isZero();

        time.advance(Duration.ofMillis(110)); // 3 s after the failure
        Served served = get(pod("t1"));

        assertThat(served.cacheHit()).isFalse();
        assertThat(source.fetchCount()).isEqualTo(2);
    }

    @ParameterizedTest(name = "jitter {0}: remembered {1}")
    @CsvSource({"0.0, PT2.4S", "0.5, PT3S", "0.999, PT3.5994S"})
    void theLifetimeOfAFailureIsJitteredByAFifthEitherWay(double jitter, Duration lifetime) {
        useJitter(() -> jitter);
        source.failNext(FakeSource.unavailable());
        failureOf(pod("t1"));

        time.advance(lifetime.minusMillis(5));
        failureOf(pod("t1"));
        assertThat(source.fetchCount()).isEqualTo(1);

        time.advance(Duration.ofMillis(10));
        get(pod("t1"));
        assertThat(source.fetchCount()).isEqualTo(2);
    }

    @Test
    void aDenialIsRememberedLongerThanAnOutage() {
        source.failNext(FakeSource.denied());
        assertThat(failureOf(pod("t1")).status()).isEqualTo(403);

        time.advance(Duration.ofSeconds(29));
        assertThat(failureOf(pod("t2")).reason()).isEqualTo("sts_access_denied");
        assertThat(source.fetchCount()).isEqualTo(1);
        assertThat(count("iamlet.sts.calls.suppressed", "outcome", "denied")).isEqualTo(1);

        time.advance(Duration.ofSeconds(2));
        assertThat(get(pod("t2")).cacheHit()).isFalse();
        assertThat(source.fetchCount()).isEqualTo(2);
    }

    @Test
    void anExpiredTokenIsTheCallersOwnAndNotRemembered() {
        source.failNext(FakeSource.tokenExpired());
        assertThat(failureOf(pod("old")).reason()).isEqualTo("sts_token_expired");

        Served next = get(pod("fresh"));

        assertThat(next.cacheHit()).isFalse();
        assertThat(source.fetchCount()).isEqualTo(2);
    }

    @Test
    void aRetryStormOfTwentyPodsCostsOneStsCallPerLifetimeOfTheFailure() {
        useJitter(() -> 0.25); // remembered 2.7 s
        source.failAlways(FakeSource.unavailable());

        for (int retry = 0; retry < 5; retry++) {
            for (int pod = 0; pod < 20; pod++) {
                assertThat(failureOf(pod("token-" + pod)).status()).isEqualTo(503);
            }
            time.advance(Duration.ofSeconds(1));
        }

        // loads at 0 s and 3 s; the 98 other requests got the remembered answer
        assertThat(source.fetchCount()).isEqualTo(2);
        assertThat(count("iamlet.sts.calls.suppressed", "outcome", "unavailable")).isEqualTo(98);
    }

    @Test
    void aLoadACallerWaitsForMakesOneShortAttemptAndRenewalAndPrefetchTheFullBudget() {
        get(pod("t1"));
        cache.prefetch(new Identity(ROLE, "team-a", "writer", "pod-2", "uid-2",
                new Identity.WebIdentityToken("t2")));
        time.advance(Duration.ofMinutes(30));

        assertThat(budgets()).containsExactly(Budget.CALLER_WAITING, Budget.BACKGROUND, Budget.BACKGROUND,
                Budget.BACKGROUND);
    }

    @Test
    void aFirstAttemptThatTimesOutGoesOnWithTheFullBudgetSoARetryFindsTheCredentials() {
        source.failNext(FakeSource.timeout());

        Served served = get(pod("t1"));

        assertThat(budgets()).containsExactly(Budget.CALLER_WAITING, Budget.BACKGROUND);
        assertThat(get(pod("t1")).credentials()).isEqualTo(served.credentials());
    }

    @Test
    void aFirstAttemptRefusedOrThrottledIsNotRepeated() {
        source.failNext(FakeSource.unavailable());

        assertThat(failureOf(pod("t1")).reason()).isEqualTo("sts_throttled");
        assertThat(budgets()).containsExactly(Budget.CALLER_WAITING);
    }

    @Test
    void renewalWaitsWhenNoLiveTokenIsKnownAndResumesWithTheNextCallersToken() {
        Served original = get(pod("t1", Duration.ofMinutes(10)));

        time.advance(Duration.ofMinutes(30)); // renewal falls due; t1 died 20 min ago
        assertThat(source.fetchCount()).as("no STS call with a dead token").isEqualTo(1);
        assertThat(count("iamlet.cache.renewals", "outcome", "no_token")).isEqualTo(1);

        time.advance(Duration.ofMinutes(5));
        Served meanwhile = get(pod("t2", Duration.ofMinutes(10)));

        assertThat(meanwhile.cacheHit()).isTrue();
        assertThat(meanwhile.credentials()).isEqualTo(original.credentials());
        assertThat(source.fetches()).hasSize(2);
        assertThat(source.fetches().get(1).identity().token().value()).isEqualTo("t2");
        assertThat(source.fetches().get(1).budget()).isEqualTo(Budget.BACKGROUND);
        Served renewed = get(pod("t2", Duration.ofMinutes(10)));
        assertThat(renewed.cacheHit()).isTrue();
        assertThat(renewed.credentials()).isNotEqualTo(original.credentials());
        assertThat(count("iamlet.cache.renewals", "outcome", "success")).isEqualTo(1);
    }

    @Test
    void withoutALiveTokenTheEntryServesUntilItExpires() {
        Served original = get(pod("t1", Duration.ofMinutes(10)));
        time.advance(Duration.ofMinutes(58));

        assertThat(get(pod("t1", Duration.ofMinutes(-48))).credentials()).isEqualTo(original.credentials());
        assertThat(source.fetchCount()).isEqualTo(1);
        assertThat(count("iamlet.cache.evictions", "cause", "denied")).isZero();

        time.advance(Duration.ofMinutes(1)); // within the one-minute expiry margin
        assertThat(get(pod("t9", Duration.ofMinutes(10))).cacheHit()).isFalse();
    }

    @Test
    void aTokenStsRefusesOnRenewalKeepsTheValidCredentialsAndWaitsForAnotherToken() {
        Served original = get(pod("t1", Duration.ofHours(2)));
        source.failNext(FakeSource.tokenExpired());

        time.advance(Duration.ofMinutes(30));
        assertThat(source.fetchCount()).isEqualTo(2);
        assertThat(count("iamlet.cache.renewals", "outcome", "token_refused")).isEqualTo(1);
        assertThat(count("iamlet.cache.evictions", "cause", "denied")).isZero();

        time.advance(Duration.ofMinutes(10));
        Served sameToken = get(pod("t1", Duration.ofMinutes(80)));
        assertThat(sameToken.cacheHit()).isTrue();
        assertThat(sameToken.credentials()).isEqualTo(original.credentials());
        assertThat(source.fetchCount()).as("the refused token is not sent again").isEqualTo(2);

        get(pod("t2", Duration.ofHours(1)));
        assertThat(source.fetchCount()).isEqualTo(3);
        assertThat(source.fetches().get(2).identity().token().value()).isEqualTo("t2");
        assertThat(get(pod("t2")).credentials()).isNotEqualTo(original.credentials());
    }

    @Test
    void withoutAnExpiryGivenTheTokensOwnExpClaimDecides() {
        String jwt = new PlainJWT(new JWTClaimsSet.Builder()
                .expirationTime(Date.from(START.plus(Duration.ofMinutes(10)))).build()).serialize();
        get(new Identity(ROLE, "team-a", "reader", "pod-1", "uid-1", new Identity.WebIdentityToken(jwt)));

        time.advance(Duration.ofMinutes(30));

        assertThat(source.fetchCount()).isEqualTo(1);
        assertThat(count("iamlet.cache.renewals", "outcome", "no_token")).isEqualTo(1);
    }

    @Test
    void renewalUsesTheTokenThatLivesLongestNotTheLastOneSeen() {
        get(pod("long", Duration.ofHours(2)));
        time.advance(Duration.ofMinutes(1));
        get(pod("short", Duration.ofMinutes(10)));

        time.advance(Duration.ofMinutes(29));

        assertThat(source.fetches()).hasSize(2);
        assertThat(source.fetches().get(1).identity().token().value()).isEqualTo("long");
    }

    @Test
    void aHundredIdentitiesInstalledInOneSecondRenewSpreadOverSixMinutes() {
        useJitter(new Random(7)::nextDouble);
        for (int i = 0; i < 100; i++) {
            get(new Identity(ROLE, "team-a", "sa-" + i, "pod-" + i, "uid-" + i,
                    new Identity.WebIdentityToken("t" + i, START.plus(Duration.ofHours(2)))));
        }

        time.advance(Duration.ofMinutes(31));

        List<Instant> renewals = source.fetches().stream().skip(100).map(FakeSource.Fetch::at).sorted().toList();
        assertThat(renewals).hasSize(100);
        assertThat(renewals.getFirst()).isAfterOrEqualTo(START.plus(Duration.ofMinutes(24)));
        assertThat(renewals.getLast()).as("never later than without jitter").isBeforeOrEqualTo(
                START.plus(Duration.ofMinutes(30)));
        assertThat(Duration.between(renewals.getFirst(), renewals.getLast())).isGreaterThan(Duration.ofMinutes(5));
        Map<Long, Long> perSecond = renewals.stream()
                .collect(Collectors.groupingBy(Instant::getEpochSecond, Collectors.counting()));
        assertThat(perSecond.values().stream().mapToLong(Long::longValue).max().orElseThrow())
                .as("renewals in the busiest second").isLessThanOrEqualTo(4);
    }
}
