package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.credentials.CredentialSource.Budget;
import io.iamlet.failure.Failure;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsExtension;
import io.iamlet.testing.FakeStsFault;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.iamlet.credentials.sts.StsTimeoutException;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.iamlet.credentials.sts.StsClient;

/**
 * The two STS budgets with the real SDK client and the production client settings: a fetch a caller waits for
 * makes exactly one attempt, bounded by the first-load timeout; a background fetch keeps the client's retries.
 */
class StsBudgetIT {

    private static final Identity IDENTITY = new Identity("arn:aws:iam::123456789012:role/reader", "team-a",
            "reader", "pod-1", "uid-1", new Identity.WebIdentityToken("a.web.token"));
    private static final Duration FIRST_LOAD = Duration.ofMillis(1500);

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension();
    private static final FakeSts sts = fake.sts();
    private static final StsClient client = fake.closing(StsClients.forWebIdentity(TestStsClients.settings(sts)));
    private static final WebIdentitySource source = new WebIdentitySource(client, Duration.ofHours(1),
            Clock.systemUTC(), FIRST_LOAD);

    /** A cold client's first call loads classes for longer than the first-load budget on a busy machine. */
    @BeforeAll
    static void warmUp() {
        source.fetch(IDENTITY, Budget.BACKGROUND).join();
        sts.reset();
    }

    @Test
    void aFetchACallerWaitsForIsOneAttemptAndABackgroundOneRetries() {
        sts.failAll(FakeStsFault.INTERNAL_FAILURE);

        assertThatThrownBy(() -> source.fetch(IDENTITY, Budget.CALLER_WAITING).join())
                .cause().isInstanceOf(Failure.Unavailable.class);
        assertThat(sts.requestsReceived()).isEqualTo(1);

        assertThatThrownBy(() -> source.fetch(IDENTITY, Budget.BACKGROUND).join())
                .cause().isInstanceOf(Failure.Unavailable.class);
        assertThat(sts.requestsReceived()).as("the client's 3 attempts").isEqualTo(1 + 3);
    }

    @Test
    void aHungStsTimesOutAFetchACallerWaitsForAfterOneAttemptOfTheFirstLoadBudget() {
        sts.hang(true);

        assertThatThrownBy(() -> source.fetch(IDENTITY, Budget.CALLER_WAITING).join())
                .cause().isInstanceOfSatisfying(Failure.Unavailable.class, f -> {
                    assertThat(f.reason()).isEqualTo("sts_timeout");
                    // the attempt and the call share the 1.5 s budget: whichever timer fires first names it
                    assertThat(f.getCause())
                            .isInstanceOf(StsTimeoutException.class)
                            .hasMessageContaining("1500 ms");
                });
        assertThat(sts.requestsReceived()).isEqualTo(1);
    }

    @Test
    void aClosedPortFailsAFetchACallerWaitsForAtOnce() {
        sts.refuseConnections();
        try {
            assertThatThrownBy(() -> source.fetch(IDENTITY, Budget.CALLER_WAITING).join())
                    .cause().isInstanceOfSatisfying(Failure.Unavailable.class,
                            f -> assertThat(f.reason()).isEqualTo("sts_unreachable"));
        } finally {
            sts.acceptConnections();
        }
        assertThat(source.fetch(IDENTITY, Budget.CALLER_WAITING).join().accessKeyId()).startsWith("ASIA");
    }
}
