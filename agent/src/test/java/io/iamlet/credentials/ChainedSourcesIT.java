package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.iamlet.failure.Failure;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsCall;
import io.iamlet.testing.FakeStsChain;
import io.iamlet.testing.FakeStsExtension;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.iamlet.credentials.sts.StsClient;

/**
 * Cross-account chaining through both sources, the real SDK and FakeSts, on a manual clock shared by FakeSts (issue
 * and expiry times) and the cache (renewal): the target role is assumed with the first role's credentials.
 */
class ChainedSourcesIT {

    private static final String SOURCE = "arn:aws:iam::111122223333:role/exporter-source";
    private static final String TARGET = "arn:aws:iam::444455556666:role/exporter";
    private static final String OTHER_TARGET = "arn:aws:iam::777788889999:role/exporter";
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJleHBvcnRlciJ9.web-identity-token-signature";
    private static final ManualTime time = new ManualTime();

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension(time);
    private static final FakeSts sts = fake.sts();
    private static final StsClient anonymous =
            fake.closing(TestStsClients.webIdentity(TestStsClients.singleAttempt(sts)));
    private static final StsClient node = fake.closing(TestStsClients.node(TestStsClients.singleAttempt(sts)));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private CredentialCache cache;

    @AfterEach
    void closeCache() { // before the extension resets FakeSts
        if (cache != null) {
            cache.close();
        }
    }

    private static Identity.Session chainedTo(String target, String externalId) {
        return new Identity.Session(target, externalId, false, Map.of());
    }

    private static Identity identity(Identity.Session session) {
        return new Identity(SOURCE, "reports", "exporter", "exporter-1", "uid-1", new Identity.WebIdentityToken(TOKEN),
                session);
    }

    private static WebIdentitySource webIdentity(Duration sessionDuration) {
        return new WebIdentitySource(anonymous, sessionDuration, time);
    }

    private static AssumeRoleSource assumeRole() {
        return new AssumeRoleSource(node, "prod-eu", Duration.ofHours(12), time);
    }

    private static FakeStsCall callIssuing(String accessKeyId) {
        return sts.calls().stream().filter(c -> accessKeyId.equals(c.issuedAccessKeyId())).findFirst().orElseThrow();
    }

    @Test
    void webIdentityAssumesTheTargetSignedWithTheSourceRolesCredentials() {
        Credentials served = webIdentity(Duration.ofHours(12)).fetch(identity(chainedTo(TARGET, "ext-7f3c"))).join();

        assertThat(sts.roleOf(served.accessKeyId())).contains(TARGET);
        FakeStsCall first = sts.calls("AssumeRoleWithWebIdentity").getFirst();
        assertThat(first.roleArn()).isEqualTo(SOURCE);
        assertThat(first.authorizationHeader()).isFalse();
        assertThat(sts.chains()).containsExactly(new FakeStsChain(first.issuedAccessKeyId(), SOURCE, TARGET,
                "ext-7f3c", 3600, served.accessKeyId()));
        FakeStsCall second = callIssuing(served.accessKeyId());
        assertThat(second.sessionName()).as("the same session name as the first call").isEqualTo("reports.exporter");
        assertThat(second.tags()).isEmpty();
        assertThat(served.accountId()).as("the target role's account").isEqualTo("444455556666");
        assertThat(served.expiration()).as("STS caps a chained session at one hour")
                .isEqualTo(time.instant().plus(Duration.ofHours(1)));
    }

    @ParameterizedTest(name = "--session-duration {0} -> {1} s for the target")
    @CsvSource({"PT15M, 900", "PT30M, 1800", "PT1H, 3600", "PT2H, 3600", "PT12H, 3600"})
    void theTargetSessionAsksForAtMostAnHour(Duration sessionDuration, int asked) {
        webIdentity(sessionDuration).fetch(identity(chainedTo(TARGET, null))).join();

        assertThat(sts.calls("AssumeRoleWithWebIdentity").getFirst().durationSeconds())
                .isEqualTo((int) sessionDuration.toSeconds());
        assertThat(sts.chains()).extracting(FakeStsChain::durationSeconds).containsExactly(asked);
    }

    @Test
    void webIdentitySendsTheExtraTagsWithTheTargetCallUnlessDisabled() {
        var tagged = new Identity.Session(TARGET, null, false, Map.of("team", "reports", "cost-center", "42"));
        Credentials served = webIdentity(Duration.ofHours(1)).fetch(identity(tagged)).join();
        assertThat(callIssuing(served.accessKeyId()).tags())
                .containsExactly(entry("cost-center", "42"), entry("team", "reports"));

        var untagged = new Identity.Session(TARGET, null, true, Map.of());
        Credentials bare = webIdentity(Duration.ofHours(1)).fetch(identity(untagged)).join();
        assertThat(callIssuing(bare.accessKeyId()).tags()).isEmpty();
    }

    @Test
    void assumeRoleTagsTheFirstSessionTransitivelyAndChainsWithItsCredentials() {
        var session = new Identity.Session(TARGET, "ext-1", false, Map.of("team", "reports"));
        Credentials served = assumeRole().fetch(identity(session)).join();

        FakeStsCall first = sts.calls("AssumeRole").getFirst();
        assertThat(first.signedBy()).isEqualTo(FakeSts.NODE_ACCESS_KEY_ID);
        assertThat(first.roleArn()).isEqualTo(SOURCE);
        assertThat(first.tags()).containsEntry("kubernetes-namespace", "reports").containsEntry("team", "reports");
        assertThat(first.transitiveTagKeys()).as("so that STS carries them into the target session")
                .containsExactlyInAnyOrderElementsOf(first.tags().keySet());
        FakeStsCall second = callIssuing(served.accessKeyId());
        assertThat(second.signedBy()).isEqualTo(first.issuedAccessKeyId());
        assertThat(second.roleArn()).isEqualTo(TARGET);
        assertThat(second.externalId()).isEqualTo("ext-1");
        assertThat(second.tags()).as("transitive tags are not set again").isEmpty();
        assertThat(second.sessionName()).isEqualTo(first.sessionName());
        assertThat(second.durationSeconds()).isEqualTo(3600);
        assertThat(first.durationSeconds()).isEqualTo(43200);
    }

    @Test
    void assumeRoleWithDisabledSessionTagsSendsNoTagsAtAll() {
        var session = new Identity.Session(TARGET, null, true, Map.of());
        assumeRole().fetch(identity(session)).join();

        assertThat(sts.calls("AssumeRole")).hasSize(2).allSatisfy(call -> {
            assertThat(call.tags()).isEmpty();
            assertThat(call.transitiveTagKeys()).isEmpty();
        });
    }

    @Test
    void aRefusalOfTheTargetIsADenialNamingTheTargetRole() {
        sts.requireExternalId(TARGET, "the-right-one");

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() ->
                webIdentity(Duration.ofHours(1)).fetch(identity(chainedTo(TARGET, "a-wrong-one"))).join());

        assertThat(thrown).isInstanceOf(CompletionException.class);
        Failure failure = Failure.find(thrown).orElseThrow();
        assertThat(failure).isInstanceOf(Failure.Denied.class);
        assertThat(failure.reason()).isEqualTo("sts_access_denied");
        assertThat(failure.getMessage()).contains("AssumeRole for " + TARGET).contains("AccessDenied")
                .doesNotContain("a-wrong-one");
    }

    @Test
    void theKeyTellsTargetsAndExternalIdsApart() {
        var source = webIdentity(Duration.ofHours(1));
        var plain = source.keyFor(identity(Identity.Session.PLAIN));
        var target = source.keyFor(identity(chainedTo(TARGET, "a")));

        assertThat(source.keyFor(identity(chainedTo(TARGET, "a")))).isEqualTo(target);
        assertThat(target).isNotEqualTo(plain)
                .isNotEqualTo(source.keyFor(identity(chainedTo(OTHER_TARGET, "a"))))
                .isNotEqualTo(source.keyFor(identity(chainedTo(TARGET, "b"))))
                .isNotEqualTo(source.keyFor(identity(chainedTo(TARGET, null))));
        assertThat(assumeRole().keyFor(identity(chainedTo(TARGET, "a"))))
                .isNotEqualTo(assumeRole().keyFor(identity(chainedTo(OTHER_TARGET, "a"))));
    }

    @Test
    void twoTargetsChainedFromOneRoleNeverShareCredentials() {
        cache = new CredentialCache(webIdentity(Duration.ofHours(1)), CacheSettings.defaults(), key -> true, registry,
                new CacheTiming(time, time, time, Runnable::run, () -> 0.0));

        var a = cache.get(identity(chainedTo(TARGET, "x"))).join().credentials();
        var b = cache.get(identity(chainedTo(OTHER_TARGET, "x"))).join().credentials();

        assertThat(sts.roleOf(a.accessKeyId())).contains(TARGET);
        assertThat(sts.roleOf(b.accessKeyId())).contains(OTHER_TARGET);
        assertThat(cache.get(identity(chainedTo(TARGET, "x"))).join().credentials()).isEqualTo(a);
    }

    /**
     * Asked for 12 h, the chained session lasts 1 h: renewal comes within that hour (by the cache's defaults, when
     * 30 minutes are left, which comes before 80 % of an hour), re-runs the whole chain (a new web-identity call, a
     * new chain) and the entry never outlives the target's credentials. The clock stops at the renewal's due time
     * while STS answers, so that the renewed expiry is known exactly.
     */
    @Test
    void renewalFollowsTheOneHourChainAndRerunsTheWholeChain() {
        cache = new CredentialCache(webIdentity(Duration.ofHours(12)), CacheSettings.defaults(), key -> true, registry,
                new CacheTiming(time, time, time, Runnable::run, () -> 0.0));
        Identity identity = identity(chainedTo(TARGET, "ext-1"));
        Credentials first = cache.get(identity).join().credentials();
        assertThat(first.expiration()).isEqualTo(time.instant().plus(Duration.ofHours(1)));

        time.advance(Duration.ofMinutes(29));
        assertThat(sts.chains()).as("not renewed with more than 30 minutes left").hasSize(1);
        time.advance(Duration.ofMinutes(1));

        await().atMost(Duration.ofSeconds(10)).until(() -> !cache.get(identity).join().credentials().equals(first));
        Credentials renewed = cache.get(identity).join().credentials();
        assertThat(sts.roleOf(renewed.accessKeyId())).contains(TARGET);
        assertThat(sts.chains()).hasSize(2);
        assertThat(sts.calls("AssumeRoleWithWebIdentity")).as("the chain starts over from the pod's token").hasSize(2);
        FakeStsChain second = sts.chains().get(1);
        assertThat(second.sourceAccessKeyId()).isEqualTo(sts.calls("AssumeRoleWithWebIdentity").get(1)
                .issuedAccessKeyId());
        assertThat(second.externalId()).isEqualTo("ext-1");
        assertThat(renewed.expiration()).isEqualTo(time.instant().plus(Duration.ofHours(1)))
                .isEqualTo(first.expiration().plus(Duration.ofMinutes(30)));
    }

    /** The target's trust policy changed (here: it now demands an external id): renewal is denied, the entry goes. */
    @Test
    void aTargetThatStopsTrustingTheChainIsEvictedAtRenewal() {
        cache = new CredentialCache(webIdentity(Duration.ofHours(1)), CacheSettings.defaults(), key -> true, registry,
                new CacheTiming(time, time, time, Runnable::run, () -> 0.0));
        Identity identity = identity(chainedTo(TARGET, null));
        cache.get(identity).join();
        sts.requireExternalId(TARGET, "now-required");

        time.advance(Duration.ofMinutes(31));

        await().atMost(Duration.ofSeconds(10)).until(() -> cache.size() == 0);
        assertThat(registry.get("iamlet.cache.renewals").tag("outcome", "denied").counter().count()).isEqualTo(1);
        Failure failure = Failure.find(org.assertj.core.api.Assertions.catchThrowable(() ->
                cache.get(identity).join())).orElseThrow();
        assertThat(failure.reason()).isEqualTo("sts_access_denied");
        assertThat(failure.getMessage()).contains(TARGET);
    }
}
