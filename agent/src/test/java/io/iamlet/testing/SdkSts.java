package io.iamlet.testing;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/** The AWS SDK's own STS client, one attempt, pointed at a stand-in: how a pod's SDK (or an oracle) calls STS. */
public final class SdkSts {

    private SdkSts() {
    }

    public static StsAsyncClient client(URI endpoint) {
        return client(endpoint, AnonymousCredentialsProvider.create());
    }

    public static StsAsyncClient client(URI endpoint, AwsCredentialsProvider credentials) {
        return StsAsyncClient.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .credentialsProvider(credentials)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(Duration.ofSeconds(5)).apiCallTimeout(Duration.ofSeconds(10)))
                .build();
    }
}
