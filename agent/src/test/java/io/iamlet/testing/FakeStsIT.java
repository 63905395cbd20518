package io.iamlet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/** FakeSts as other tests rely on it: it authenticates like STS and tells which role a client holds. */
class FakeStsIT {

    private static final String ROLE = "arn:aws:iam::123456789012:role/reader";
    private static final ManualTime clock = new ManualTime();

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension(clock);
    private static final FakeSts sts = fake.sts();
    private static final StsAsyncClient client = fake.closing(SdkSts.client(sts.endpoint()));

    private static Credentials assumeWithWebIdentity() {
        return client.assumeRoleWithWebIdentity(r -> r.roleArn(ROLE).roleSessionName("team-a.reader")
                .webIdentityToken("a.web.token")).join().credentials();
    }

    private static GetCallerIdentityResponse whoAmI(AwsCredentials credentials) {
        return client.getCallerIdentity(r -> r.overrideConfiguration(o -> o.credentialsProvider(
                StaticCredentialsProvider.create(credentials)))).join();
    }

    /** The STS error code the call failed with. */
    private static String stsError(Runnable call) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call::run);
        assertThat(thrown).isNotNull().cause().isInstanceOf(StsException.class);
        return ((StsException) thrown.getCause()).awsErrorDetails().errorCode();
    }

    private static AwsSessionCredentials session(Credentials c) {
        return AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken());
    }

    @Test
    void issuedCredentialsProveTheirRoleThroughGetCallerIdentity() {
        Credentials issued = assumeWithWebIdentity();

        GetCallerIdentityResponse me = whoAmI(session(issued));

        assertThat(me.arn()).isEqualTo("arn:aws:sts::123456789012:assumed-role/reader/team-a.reader");
        assertThat(me.account()).isEqualTo("123456789012");
        assertThat(sts.calls("GetCallerIdentity").getFirst().signedBy()).isEqualTo(issued.accessKeyId());
    }

    @Test
    void theNodeKeyIsKnownToo() {
        GetCallerIdentityResponse me = whoAmI(AwsBasicCredentials.create(FakeSts.NODE_ACCESS_KEY_ID,
                FakeSts.NODE_SECRET_ACCESS_KEY));

        assertThat(me.arn()).isEqualTo(FakeSts.NODE_ARN);
    }

    @Test
    void aWrongSecretOrMissingSessionTokenIsRejected() {
        Credentials issued = assumeWithWebIdentity();

        assertThat(stsError(() -> whoAmI(AwsSessionCredentials.create(issued.accessKeyId(), "wrong",
                issued.sessionToken())))).isEqualTo("SignatureDoesNotMatch");
        assertThat(stsError(() -> whoAmI(AwsBasicCredentials.create(issued.accessKeyId(), issued.secretAccessKey()))))
                .isEqualTo("InvalidClientTokenId");
    }

    @Test
    void expiredCredentialsAreRejected() {
        sts.issueCredentialsValidFor(Duration.ofMinutes(15));
        Credentials issued = assumeWithWebIdentity();
        assertThat(issued.expiration()).isEqualTo(clock.instant().plus(Duration.ofMinutes(15)));

        clock.advance(Duration.ofMinutes(15));

        assertThat(stsError(() -> whoAmI(session(issued)))).isEqualTo("ExpiredToken");
    }

    @Test
    void keysNameTheirRole() {
        Credentials a = assumeWithWebIdentity();
        Credentials b = client.assumeRoleWithWebIdentity(r -> r.roleArn("arn:aws:iam::123456789012:role/writer")
                .roleSessionName("s1").webIdentityToken("a.web.token")).join().credentials();

        assertThat(a.accessKeyId()).startsWith("ASIA").hasSize(20);
        assertThat(a.accessKeyId().substring(4, 8)).isNotEqualTo(b.accessKeyId().substring(4, 8));
        assertThat(sts.roleOf(a.accessKeyId())).contains(ROLE);
        assertThat(sts.keysIssuedFor(ROLE)).containsExactly(a.accessKeyId());
    }

    @Test
    void aSignedWebIdentityRequestIsRefused() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        sts.endpoint() + "/"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=x")
                .POST(HttpRequest.BodyPublishers.ofString("Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
                        + "&RoleArn=" + ROLE + "&RoleSessionName=abc&WebIdentityToken=a.web.token"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("<Code>InvalidRequest</Code>").contains("<RequestId>");
    }

    @Test
    void invalidSessionNamesGetStsValidationError() {
        assertThat(stsError(() -> client.assumeRoleWithWebIdentity(r -> r.roleArn(ROLE)
                .roleSessionName("has space").webIdentityToken("a.web.token")).join())).isEqualTo("ValidationError");
    }
}
