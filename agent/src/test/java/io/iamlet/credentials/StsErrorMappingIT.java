package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.failure.Failure;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsExtension;
import io.iamlet.testing.FakeStsFault;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import io.iamlet.credentials.sts.StsClient;

/** Every STS answer, through the real SDK, lands in the right Failure with the right metric tags. */
class StsErrorMappingIT {

    private static final String ROLE = "arn:aws:iam::123456789012:role/reader";
    private static final String TOKEN = "header.payload.signature-of-the-web-identity-token";

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension();
    private static final FakeSts sts = fake.sts();
    private static final StsClient anonymous =
            fake.closing(TestStsClients.webIdentity(TestStsClients.singleAttempt(sts)));
    private static final StsClient node = fake.closing(TestStsClients.node(TestStsClients.singleAttempt(sts)));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private CredentialSource source(String name, StsClient webIdentityClient, StsClient nodeClient) {
        CredentialSource raw = name.equals(WebIdentitySource.NAME)
                ? new WebIdentitySource(webIdentityClient, Duration.ofHours(1), Clock.systemUTC())
                : new AssumeRoleSource(nodeClient, "prod", Duration.ofHours(1), Clock.systemUTC());
        return new MeteredSource(raw, registry);
    }

    private static Identity identity() {
        return new Identity(ROLE, "team-a", "reader", "pod-1", "uid-1", new Identity.WebIdentityToken(TOKEN));
    }

    static Stream<Arguments> stsErrors() {
        List<Arguments> rows = new ArrayList<>();
        Object[][] table = {
            {FakeStsFault.ACCESS_DENIED, Failure.Denied.class, "sts_access_denied"},
            {FakeStsFault.INVALID_IDENTITY_TOKEN, Failure.Denied.class, "sts_invalid_token"},
            {FakeStsFault.IDP_REJECTED_CLAIM, Failure.Denied.class, "sts_invalid_token"},
            {FakeStsFault.EXPIRED_TOKEN, Failure.Denied.class, "sts_token_expired"},
            {FakeStsFault.MALFORMED_POLICY, Failure.Denied.class, "sts_invalid_request"},
            {FakeStsFault.REGION_DISABLED, Failure.Denied.class, "sts_region_disabled"},
            {FakeStsFault.sender(400, "ValidationError", "bad input value"), Failure.Denied.class, "sts_invalid_request"},
            {FakeStsFault.sender(400, "SomethingNew", "new"), Failure.Denied.class, "sts_rejected"},
            {FakeStsFault.THROTTLING, Failure.Unavailable.class, "sts_throttled"},
            {FakeStsFault.INTERNAL_FAILURE, Failure.Unavailable.class, "sts_error"},
            {FakeStsFault.SERVICE_UNAVAILABLE, Failure.Unavailable.class, "sts_error"},
            {FakeStsFault.IDP_COMMUNICATION_ERROR, Failure.Unavailable.class, "sts_idp_unreachable"},
            {FakeStsFault.sender(403, "InvalidClientTokenId", "bad key"), Failure.Unavailable.class,
                "sts_node_credentials"},
            {FakeStsFault.sender(403, "ExpiredToken", "node token expired"), Failure.Unavailable.class,
                "sts_node_credentials"},
        };
        for (String source : List.of(WebIdentitySource.NAME, AssumeRoleSource.NAME)) {
            for (Object[] row : table) {
                rows.add(Arguments.of(source, row[0], row[1], row[2]));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}: {1} -> {3}")
    @MethodSource("stsErrors")
    void mapsStsErrorsToDeniedOrUnavailable(String sourceName, FakeStsFault fault,
                                            Class<? extends Failure> expected, String reason) {
        sts.failNext(fault);
        CredentialSource source = source(sourceName, anonymous, node);

        assertThatThrownBy(() -> source.fetch(identity()).join())
                .cause().isInstanceOf(expected)
                .hasMessageContaining(fault.code())
                .hasMessageContaining(sts.calls().getFirst().requestId())
                .hasMessageNotContaining(TOKEN)
                .hasMessageNotContaining(fault.message())
                .extracting(t -> ((Failure) t).reason()).isEqualTo(reason);
        String outcome = expected == Failure.Denied.class ? "denied" : "unavailable";
        String code = fault.code().equals("SomethingNew") ? "other" : fault.code();
        assertThat(registry.get("iamlet.sts.requests").tags("source", sourceName, "outcome", outcome,
                "error_code", code).counter().count()).isEqualTo(1);
        assertThat(registry.get("iamlet.sts.request").tag("source", sourceName).timer().count()).isEqualTo(1);
    }

    @Test
    void aSlowStsTimesOutAsUnavailable() {
        var settings = TestStsClients.settings(sts).withTimeouts(Duration.ofMillis(300), Duration.ofMillis(600), 1);
        try (StsClient impatient = TestStsClients.webIdentity(settings)) {
            sts.failNext(FakeStsFault.delay(Duration.ofSeconds(2)));
            CredentialSource source = source(WebIdentitySource.NAME, impatient, node);

            assertThatThrownBy(() -> source.fetch(identity()).join())
                    .cause().isInstanceOf(Failure.Unavailable.class)
                    .extracting(t -> ((Failure) t).reason()).isEqualTo("sts_timeout");
            assertThat(registry.get("iamlet.sts.requests").tags("outcome", "unavailable", "error_code", "timeout")
                    .counter().count()).isEqualTo(1);
        }
    }

    @Test
    void anUnreachableStsIsUnavailable() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        try (StsClient lost = TestStsClients.webIdentity(TestStsClients.singleAttempt(sts)
                .withEndpointOverride(closed))) {
            CredentialSource source = source(WebIdentitySource.NAME, lost, node);

            assertThatThrownBy(() -> source.fetch(identity()).join())
                    .cause().isInstanceOf(Failure.Unavailable.class)
                    .extracting(t -> ((Failure) t).reason()).isEqualTo("sts_unreachable");
        }
    }

    @Test
    void transientErrorsAreRetriedByTheClientBeforeTheyReachTheCache() {
        try (StsClient patient = TestStsClients.webIdentity(TestStsClients.settings(sts))) {
            sts.failNext(FakeStsFault.INTERNAL_FAILURE);
            sts.failNext(FakeStsFault.THROTTLING);
            CredentialSource source = source(WebIdentitySource.NAME, patient, node);

            Credentials credentials = source.fetch(identity()).join();

            assertThat(sts.calls()).hasSize(3);
            assertThat(sts.roleOf(credentials.accessKeyId())).contains(ROLE);
        }
    }

    @Test
    void deniedIsNotRetriedByTheClient() {
        try (StsClient patient = TestStsClients.webIdentity(TestStsClients.settings(sts))) {
            sts.failNext(FakeStsFault.ACCESS_DENIED);
            CredentialSource source = source(WebIdentitySource.NAME, patient, node);

            assertThatThrownBy(() -> source.fetch(identity()).join()).cause().isInstanceOf(Failure.Denied.class);
            assertThat(sts.calls()).hasSize(1);
        }
    }
}
