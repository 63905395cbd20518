package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.failure.Failure;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsCall;
import io.iamlet.testing.FakeStsExtension;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.iamlet.credentials.sts.StsClient;

class WebIdentitySourceIT {

    private static final String ROLE = "arn:aws:iam::123456789012:role/reader";
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    private static final Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension(clock);
    private static final FakeSts sts = fake.sts();
    private static final StsClient client = fake.closing(TestStsClients.webIdentity(TestStsClients.settings(sts)));

    private static Identity identity(String serviceAccount, String podUid, String token) {
        return new Identity(ROLE, "team-a", serviceAccount, "pod-" + podUid, podUid,
                token == null ? null : new Identity.WebIdentityToken(token));
    }

    @Test
    void exchangesTheCallersOwnTokenForCredentialsOfTheRole() throws Exception {
        var source = new WebIdentitySource(client, Duration.ofHours(1), clock);

        Credentials credentials = source.fetch(identity("reader", "uid-1", TOKEN)).join();

        FakeStsCall call = sts.calls().getFirst();
        assertThat(call.action()).isEqualTo("AssumeRoleWithWebIdentity");
        assertThat(call.authorizationHeader()).as("anonymous: no signature").isFalse();
        assertThat(call.tokenSha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes(StandardCharsets.UTF_8))));
        assertThat(call.roleArn()).isEqualTo(ROLE);
        assertThat(call.sessionName()).isEqualTo("team-a.reader");
        assertThat(call.durationSeconds()).isEqualTo(3600);
        assertThat(sts.roleOf(credentials.accessKeyId())).contains(ROLE);
        assertThat(credentials.secretAccessKey()).isEqualTo(sts.issued(credentials.accessKeyId()).orElseThrow()
                .secretAccessKey());
        assertThat(credentials.expiration()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(credentials.issuedAt()).isEqualTo(clock.instant());
        assertThat(credentials.accountId()).isEqualTo("123456789012");
        assertThat(credentials.stsRequestId()).isEqualTo(call.requestId());
    }

    @Test
    void asksForTheConfiguredSessionDuration() {
        var source = new WebIdentitySource(client, Duration.ofHours(6), clock);

        Credentials credentials = source.fetch(identity("reader", "uid-1", TOKEN)).join();

        assertThat(sts.calls().getFirst().durationSeconds()).isEqualTo(6 * 3600);
        assertThat(credentials.expiration()).isEqualTo(clock.instant().plus(Duration.ofHours(6)));
    }

    @Test
    void everyPodOfAServiceAccountSharesOneKey() {
        var source = new WebIdentitySource(client, Duration.ofHours(1), clock);

        var key = source.keyFor(identity("reader", "uid-1", "t1"));

        assertThat(key).isEqualTo(source.keyFor(identity("reader", "uid-2", "t2")));
        assertThat(key).isNotEqualTo(source.keyFor(identity("writer", "uid-1", "t1")));
        assertThat(key.podUid()).isNull();
        assertThat(key.source()).isEqualTo("web-identity");
    }

    @Test
    void longNamesStillMakeASessionNameStsAccepts() {
        var source = new WebIdentitySource(client, Duration.ofHours(1), clock);
        var identity = new Identity(ROLE, "n".repeat(63), "s".repeat(253), "p", "u",
                new Identity.WebIdentityToken(TOKEN));

        source.fetch(identity).join();

        assertThat(sts.calls().getFirst().sessionName()).hasSize(64).startsWith("nnnn");
    }

    @Test
    void aTokenTheIdentityProviderRejectsIsDenied() {
        sts.acceptTokens(token -> token.equals(TOKEN));
        var source = new WebIdentitySource(client, Duration.ofHours(1), clock);

        assertThatThrownBy(() -> source.fetch(identity("reader", "uid-1", "some.other.token")).join())
                .cause().isInstanceOf(Failure.Denied.class)
                .hasMessageContaining("InvalidIdentityToken")
                .hasMessageNotContaining("some.other.token");
    }

    @Test
    void anIdentityWithoutTokenIsDeniedWithoutCallingSts() {
        var source = new WebIdentitySource(client, Duration.ofHours(1), clock);

        assertThatThrownBy(() -> source.fetch(identity("reader", "uid-1", null)).join())
                .cause().isInstanceOf(Failure.Denied.class);
        assertThat(sts.requestsReceived()).isZero();
    }

    @Test
    void sessionDurationOutsideStsBoundsFailsAtStart() {
        assertThatThrownBy(() -> new WebIdentitySource(client, Duration.ofMinutes(5), clock))
                .hasMessageContaining("--session-duration");
        assertThatThrownBy(() -> new WebIdentitySource(client, Duration.ofHours(13), clock))
                .hasMessageContaining("--session-duration");
    }
}
