package io.iamlet.credentials;

import io.iamlet.testing.FakeSts;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/** Real SDK clients pointed at a FakeSts. */
final class TestStsClients {

    private TestStsClients() {
    }

    static StsClients.Settings settings(FakeSts sts) {
        return StsClients.Settings.defaults(Region.EU_WEST_1).withEndpointOverride(sts.endpoint());
    }

    /** No SDK retries, so one fault is one failed fetch. */
    static StsClients.Settings singleAttempt(FakeSts sts) {
        return settings(sts).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    }

    static StsAsyncClient webIdentity(StsClients.Settings settings) {
        return StsClients.forWebIdentity(settings);
    }

    static StsAsyncClient node(StsClients.Settings settings) {
        return node(settings, FakeSts.NODE_SECRET_ACCESS_KEY);
    }

    /** A client signing with session credentials (as a node with an instance role would). */
    static StsAsyncClient session(StsClients.Settings settings, Credentials credentials) {
        return StsClients.build(settings, StaticCredentialsProvider.create(AwsSessionCredentials.create(
                credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken())));
    }

    static StsAsyncClient node(StsClients.Settings settings, String secret) {
        return StsClients.build(settings, StaticCredentialsProvider.create(
                AwsBasicCredentials.create(FakeSts.NODE_ACCESS_KEY_ID, secret)));
    }
}
