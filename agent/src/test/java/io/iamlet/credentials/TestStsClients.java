package io.iamlet.credentials;

import io.iamlet.credentials.sts.AwsKeys;
import io.iamlet.credentials.sts.StsClient;
import io.iamlet.testing.FakeSts;
import java.time.Duration;

/** Real clients pointed at a FakeSts. */
final class TestStsClients {

    private TestStsClients() {
    }

    static StsClients.Settings settings(FakeSts sts) {
        return StsClients.Settings.defaults("eu-west-1").withEndpointOverride(sts.endpoint());
    }

    /** No retries, so one fault is one failed fetch. */
    static StsClients.Settings singleAttempt(FakeSts sts) {
        return settings(sts).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    }

    static StsClient webIdentity(StsClients.Settings settings) {
        return StsClients.forWebIdentity(settings);
    }

    static StsClient node(StsClients.Settings settings) {
        return node(settings, FakeSts.NODE_SECRET_ACCESS_KEY);
    }

    /** A client signing with session credentials (as a node with an instance role would). */
    static StsClient session(StsClients.Settings settings, Credentials credentials) {
        return StsClients.build(settings, new AwsKeys(credentials.accessKeyId(), credentials.secretAccessKey(),
                credentials.sessionToken(), credentials.expiration()));
    }

    static StsClient node(StsClients.Settings settings, String secret) {
        return StsClients.build(settings, AwsKeys.of(FakeSts.NODE_ACCESS_KEY_ID, secret));
    }
}
