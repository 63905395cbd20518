package io.iamlet.credentials;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.ProxyConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/**
 * Builds the STS clients the sources use: one async client on the Netty HTTP client (the only HTTP client on the
 * class path), bounded in every dimension that could make a request hang or pile up: connect/read/write timeouts,
 * a per-attempt and a total timeout, a bounded number of attempts and a bounded connection pool.
 *
 * <p>The region is explicit (never the SDK's region chain, which would ask instance metadata); the SDK picks the
 * regional endpoint for it. Without an explicit override the SDK itself honours {@code AWS_ENDPOINT_URL_STS}.
 * The proxy comes from {@link StsProxy} (HTTPS_PROXY/NO_PROXY or the {@code https.proxy*} system properties),
 * not from the Netty client's own lookup, which reads {@code HTTP_PROXY} for an {@code http} proxy.
 *
 * <p>Building a client also pins the loggers that would print credentials at DEBUG to INFO ({@link WireLogging}).
 */
public final class StsClients {

    /** {@code --sts-first-load-timeout}'s default: the budget of a load a caller waits for. */
    public static final Duration FIRST_LOAD_TIMEOUT = Duration.ofMillis(1500);

    private StsClients() {
    }

    /**
     * Per-request settings for a call a caller waits on: one attempt (no SDK retry) of at most {@code timeout}, in
     * place of the client's longer budget with retries. The retry strategy can only be changed for one request by a
     * request-level plugin; the timeouts are plain request overrides.
     */
    public static AwsRequestOverrideConfiguration oneAttempt(Duration timeout) {
        Settings.requirePositive(timeout, "--sts-first-load-timeout");
        return AwsRequestOverrideConfiguration.builder()
                .apiCallTimeout(timeout)
                .apiCallAttemptTimeout(timeout)
                .addPlugin(client -> client.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())))
                .build();
    }

    /**
     * How to reach STS.
     *
     * @param endpointOverride null for the SDK's regional endpoint (or {@code AWS_ENDPOINT_URL_STS})
     * @param proxy            null for a direct connection
     */
    public record Settings(
            Region region,
            URI endpointOverride,
            ProxyConfiguration proxy,
            Duration connectTimeout,
            Duration readTimeout,
            Duration apiCallAttemptTimeout,
            Duration apiCallTimeout,
            int maxAttempts,
            int maxConcurrency) {

        public Settings {
            Objects.requireNonNull(region, "region (AWS_REGION) must be set");
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(readTimeout, "readTimeout");
            requirePositive(apiCallAttemptTimeout, "apiCallAttemptTimeout");
            requirePositive(apiCallTimeout, "apiCallTimeout");
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts must be in [1,10], was " + maxAttempts);
            }
            if (maxConcurrency < 1) {
                throw new IllegalArgumentException("maxConcurrency must be positive, was " + maxConcurrency);
            }
        }

        /** Production defaults: 2 s connect, 5 s read/attempt, 12 s per call, 3 attempts, 64 connections. */
        public static Settings defaults(Region region) {
            return new Settings(region, null, null, Duration.ofSeconds(2), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(12), 3, 64);
        }

        /** Defaults plus the proxy named by the process environment and system properties. */
        public static Settings fromEnvironment(Region region) {
            return defaults(region).withProxy(
                    StsProxy.resolve(System.getenv(), System.getProperties()).orElse(null));
        }

        public Settings withEndpointOverride(URI endpoint) {
            return new Settings(region, endpoint, proxy, connectTimeout, readTimeout, apiCallAttemptTimeout,
                    apiCallTimeout, maxAttempts, maxConcurrency);
        }

        public Settings withProxy(ProxyConfiguration proxyConfiguration) {
            return new Settings(region, endpointOverride, proxyConfiguration, connectTimeout, readTimeout,
                    apiCallAttemptTimeout, apiCallTimeout, maxAttempts, maxConcurrency);
        }

        public Settings withTimeouts(Duration attempt, Duration call, int attempts) {
            return new Settings(region, endpointOverride, proxy, connectTimeout, readTimeout, attempt, call,
                    attempts, maxConcurrency);
        }

        private static void requirePositive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
        }
    }

    /** {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, from the given environment. */
    public static Optional<Region> regionFrom(Map<String, String> env) {
        for (String name : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(Region.of(value.trim()));
            }
        }
        return Optional.empty();
    }

    /** For {@link WebIdentitySource}: anonymous, so the request carries no signature, only the caller's token. */
    public static StsAsyncClient forWebIdentity(Settings settings) {
        return build(settings, AnonymousCredentialsProvider.create());
    }

    /**
     * For {@link AssumeRoleSource}: the node's credentials from the SDK default chain, refreshed in the background
     * ({@code asyncCredentialUpdateEnabled}) so a request rarely waits on instance metadata.
     */
    public static StsAsyncClient forAssumeRole(Settings settings) {
        return build(settings, DefaultCredentialsProvider.builder().asyncCredentialUpdateEnabled(true).build());
    }

    /** A client signing with {@code credentials} (tests pass static credentials). */
    public static StsAsyncClient build(Settings settings, AwsCredentialsProvider credentials) {
        WireLogging.quiet();
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder()
                .connectionTimeout(settings.connectTimeout())
                .readTimeout(settings.readTimeout())
                .writeTimeout(settings.readTimeout())
                .tlsNegotiationTimeout(settings.connectTimeout())
                .connectionAcquisitionTimeout(settings.apiCallAttemptTimeout())
                .maxConcurrency(settings.maxConcurrency())
                .maxPendingConnectionAcquires(settings.maxConcurrency() * 16)
                .connectionMaxIdleTime(Duration.ofSeconds(50));
        if (settings.proxy() != null) {
            http.proxyConfiguration(settings.proxy());
        }
        var builder = StsAsyncClient.builder()
                .region(settings.region())
                .credentialsProvider(credentials)
                .httpClientBuilder(http)
                .overrideConfiguration(o -> o
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(settings.maxAttempts()).build())
                        .apiCallAttemptTimeout(settings.apiCallAttemptTimeout())
                        .apiCallTimeout(settings.apiCallTimeout()));
        if (settings.endpointOverride() != null) {
            builder.endpointOverride(settings.endpointOverride());
        }
        return builder.build();
    }
}
