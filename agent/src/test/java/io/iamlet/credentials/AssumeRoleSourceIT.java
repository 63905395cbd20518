package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.iamlet.failure.Failure;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsCall;
import io.iamlet.testing.FakeStsExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.iamlet.credentials.sts.StsClient;

class AssumeRoleSourceIT {

    private static final String ROLE = "arn:aws:iam::210987654321:role/app";
    private static final String UID = "6f1c1e8e-2a57-4c59-9d0e-5b0f2c7c1a11";
    private static final Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension(clock);
    private static final FakeSts sts = fake.sts();
    private static final StsClient client = fake.closing(TestStsClients.node(TestStsClients.singleAttempt(sts)));
    private final AssumeRoleSource source = new AssumeRoleSource(client, "prod-eu", Duration.ofHours(1), clock);

    private static Identity pod(String namespace, String name, String uid) {
        return new Identity(ROLE, namespace, "app-sa", name, uid, null);
    }

    @Test
    void signsWithTheNodeCredentialsAndTagsTheSessionWithThePod() {
        Credentials credentials = source.fetch(pod("team-a", "web-7d4b9c-x2x9z", UID)).join();

        FakeStsCall call = sts.calls().getFirst();
        assertThat(call.action()).isEqualTo("AssumeRole");
        assertThat(call.signedBy()).as("SigV4 verified with the node key").isEqualTo(FakeSts.NODE_ACCESS_KEY_ID);
        assertThat(call.tags()).containsExactly(
                entry("eks-cluster-name", "prod-eu"),
                entry("kubernetes-namespace", "team-a"),
                entry("kubernetes-service-account", "app-sa"),
                entry("kubernetes-pod-name", "web-7d4b9c-x2x9z"),
                entry("kubernetes-pod-uid", UID));
        assertThat(call.transitiveTagKeys()).containsExactlyInAnyOrderElementsOf(call.tags().keySet());
        assertThat(call.sessionName()).isEqualTo("team-a.web-7d4b9c-x2x9z." + SessionNames.hash(UID));
        assertThat(call.durationSeconds()).isEqualTo(3600);
        assertThat(sts.roleOf(credentials.accessKeyId())).contains(ROLE);
        assertThat(credentials.accountId()).isEqualTo("210987654321");
    }

    @Test
    void eachPodHasItsOwnKeyAndSession() {
        var a = pod("team-a", "web-1", "uid-a");
        var b = pod("team-a", "web-2", "uid-b");

        assertThat(source.keyFor(a)).isNotEqualTo(source.keyFor(b));
        assertThat(source.keyFor(a).podUid()).isEqualTo("uid-a");
        source.fetch(a).join();
        source.fetch(b).join();
        assertThat(sts.calls()).extracting(FakeStsCall::sessionName).doesNotHaveDuplicates();
        assertThat(sts.keysIssuedFor(ROLE)).hasSize(2).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "namespace {0}, pod {1}")
    @CsvSource({
        "team-a, web-1",
        "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn, "
                + "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
        "ns, 'pod with spaces'",
        "späße, 'ü/ö:ä'",
        "'', x",
    })
    void oddNamesStillMakeASessionStsAccepts(String namespace, String podName) {
        source.fetch(pod(namespace, podName, UID)).join();

        FakeStsCall call = sts.calls().getFirst();
        assertThat(call.succeeded()).isTrue();
        assertThat(call.sessionName()).matches("[\\w+=,.@-]{2,64}");
    }

    @Test
    void tagValuesAreKeptWithinStsLimits() {
        source.fetch(pod("team-a", "p".repeat(300), UID)).join();

        assertThat(sts.calls().getFirst().tags().get("kubernetes-pod-name")).hasSize(256);
    }

    @Test
    void aBadNodeSignatureIsRefusedByStsAndReportedAsUnavailable() {
        try (StsClient wrongSecret = TestStsClients.node(TestStsClients.singleAttempt(sts), "not-the-secret")) {
            var badSource = new AssumeRoleSource(wrongSecret, "prod-eu", Duration.ofHours(1), clock);

            assertThatThrownBy(() -> badSource.fetch(pod("team-a", "web-1", UID)).join())
                    .cause().isInstanceOf(Failure.Unavailable.class)
                    .hasMessageContaining("SignatureDoesNotMatch")
                    .extracting(t -> ((Failure) t).reason()).isEqualTo("sts_node_credentials");
        }
        assertThat(sts.calls().getFirst().errorCode()).isEqualTo("SignatureDoesNotMatch");
    }

    @Test
    void anIdentityWithoutPodIsDeniedWithoutCallingSts() {
        assertThatThrownBy(() -> source.fetch(new Identity(ROLE, "team-a", "app-sa", null, null, null)).join())
                .cause().isInstanceOf(Failure.Denied.class);
        assertThat(sts.requestsReceived()).isZero();
    }

    @Test
    void clusterNameIsRequired() {
        assertThatThrownBy(() -> new AssumeRoleSource(client, " ", Duration.ofHours(1), clock))
                .hasMessageContaining("--cluster-name");
    }
}
