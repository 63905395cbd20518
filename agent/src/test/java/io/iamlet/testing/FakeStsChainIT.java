package io.iamlet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;

/** FakeSts's role chains: it accepts AssumeRole signed by credentials it issued, records and checks the chain. */
class FakeStsChainIT {

    private static final String SOURCE = "arn:aws:iam::111122223333:role/source";
    private static final String TARGET = "arn:aws:iam::444455556666:role/target";

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension(new ManualTime());
    private static final FakeSts sts = fake.sts();
    private static final StsAsyncClient client = fake.closing(SdkSts.client(sts.endpoint()));

    private static Credentials source() {
        return client.assumeRoleWithWebIdentity(r -> r.roleArn(SOURCE).roleSessionName("team.app")
                .webIdentityToken("a.web.token")).join().credentials();
    }

    private static Credentials chain(AwsCredentials signedBy, String externalId, Integer seconds) {
        return client.assumeRole(AssumeRoleRequest.builder()
                .overrideConfiguration(o -> o.credentialsProvider(StaticCredentialsProvider.create(signedBy)))
                .roleArn(TARGET).roleSessionName("team.app").externalId(externalId).durationSeconds(seconds)
                .build()).join().credentials();
    }

    private static AwsSessionCredentials session(Credentials c) {
        return AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken());
    }

    /** The STS error code the call failed with. */
    private static String stsError(Runnable call) {
        Throwable thrown = catchThrowable(call::run);
        assertThat(thrown).isNotNull().cause().isInstanceOf(StsException.class);
        return ((StsException) thrown.getCause()).awsErrorDetails().errorCode();
    }

    @Test
    void assumeRoleSignedWithIssuedCredentialsIsRecordedAsAChain() {
        Credentials first = source();

        Credentials target = chain(session(first), "ext-1", 3600);

        assertThat(sts.roleOf(target.accessKeyId())).contains(TARGET);
        assertThat(sts.chains()).containsExactly(new FakeStsChain(first.accessKeyId(), SOURCE, TARGET, "ext-1", 3600,
                target.accessKeyId()));
        assertThat(sts.calls("AssumeRole").getFirst().externalId()).isEqualTo("ext-1");
    }

    @Test
    void aChainSignedByUnknownCredentialsIsRefused() {
        var unknown = AwsSessionCredentials.create("ASIA0000999999999999", "not-a-secret-fakests-issued", "token");

        assertThat(stsError(() -> chain(unknown, "ext-1", 3600))).isEqualTo("InvalidClientTokenId");
        assertThat(sts.chains()).isEmpty();
    }

    @Test
    void theNodeKeyAssumingARoleIsNoChain() {
        chain(AwsBasicCredentials.create(FakeSts.NODE_ACCESS_KEY_ID, FakeSts.NODE_SECRET_ACCESS_KEY), null, 7200);

        assertThat(sts.chains()).isEmpty();
    }

    @Test
    void aChainAskingForMoreThanAnHourIsRefusedAsStsDoes() {
        Credentials first = source();

        assertThat(stsError(() -> chain(session(first), null, 3601))).isEqualTo("ValidationError");
        assertThat(sts.chains()).isEmpty();
    }

    @Test
    void aTargetRequiringAnExternalIdDeniesAChainWithoutIt() {
        sts.requireExternalId(TARGET, "ext-1");
        Credentials first = source();

        assertThat(stsError(() -> chain(session(first), null, 900))).isEqualTo("AccessDenied");
        assertThat(stsError(() -> chain(session(first), "ext-2", 900))).isEqualTo("AccessDenied");
        assertThat(sts.chains()).isEmpty();

        Credentials target = chain(session(first), "ext-1", 900);
        assertThat(sts.chains()).extracting(FakeStsChain::issuedAccessKeyId).containsExactly(target.accessKeyId());
    }
}
