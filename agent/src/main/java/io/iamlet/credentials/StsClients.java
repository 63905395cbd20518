package io.iamlet.credentials;

import io.iamlet.credentials.StsProxy.ProxyConfiguration;
import io.iamlet.credentials.sts.AwsKeys;
import io.iamlet.credentials.sts.NodeKeyChain;
import io.iamlet.credentials.sts.NodeKeys;
import io.iamlet.credentials.sts.StsClient;
import io.iamlet.credentials.sts.StsEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the STS clients the sources use ({@link StsClient}, on the JDK's HTTP client), bounded in every dimension
 * that could make a request hang or pile up: a connect timeout, a per-attempt and a total timeout, a bounded number
 * of attempts.
 *
 * <p>The region is explicit (never a region chain that would ask instance metadata); the endpoint is its regional
 * one ({@link StsEndpoints}), or {@code AWS_ENDPOINT_URL_STS} / {@code AWS_ENDPOINT_URL} as the AWS SDK honours them,
 * or {@code --sts-endpoint}. The proxy comes from {@link StsProxy} (HTTPS_PROXY/NO_PROXY or the {@code https.proxy*}
 * system properties).
 */
public final class StsClients {

    /** {@code --sts-first-load-timeout}'s default: the budget of a load a caller waits for. */
    public static final Duration FIRST_LOAD_TIMEOUT = Duration.ofMillis(1500);

    static {
        ProxyTunnelAuth.allowBasicIfProxyHasCredentials(System.getenv());
    }

    private StsClients() {
    }

    /** Per-call settings for a call a caller waits on: one attempt of at most {@code timeout}, no retry. */
    public static StsClient.Call oneAttempt(Duration timeout) {
        Settings.requirePositive(timeout, "--sts-first-load-timeout");
        return new StsClient.Call(null, timeout);
    }

    /**
     * How to reach STS.
     *
     * @param region           the region, {@code AWS_REGION}
     * @param endpointOverride null for the regional endpoint (or {@code AWS_ENDPOINT_URL_STS})
     * @param proxy            null for a direct connection
     * @param apiCallAttemptTimeout bounds one attempt, reading the answer included
     */
    public record Settings(
            String region,
            URI endpointOverride,
            ProxyConfiguration proxy,
            Duration connectTimeout,
            Duration apiCallAttemptTimeout,
            Duration apiCallTimeout,
            int maxAttempts) {

        public Settings {
            Objects.requireNonNull(region, "region (AWS_REGION) must be set");
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(apiCallAttemptTimeout, "apiCallAttemptTimeout");
            requirePositive(apiCallTimeout, "apiCallTimeout");
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts must be in [1,10], was " + maxAttempts);
            }
        }

        /** Production defaults: 2 s connect, 5 s per attempt, 12 s per call, 3 attempts. */
        public static Settings defaults(String region) {
            return new Settings(region, null, null, Duration.ofSeconds(2), Duration.ofSeconds(5),
                    Duration.ofSeconds(12), 3);
        }

        /** Defaults plus the proxy named by the process environment and system properties. */
        public static Settings fromEnvironment(String region) {
            return defaults(region).withProxy(
                    StsProxy.resolve(System.getenv(), System.getProperties()).orElse(null));
        }

        public Settings withEndpointOverride(URI endpoint) {
            return new Settings(region, endpoint, proxy, connectTimeout, apiCallAttemptTimeout, apiCallTimeout,
                    maxAttempts);
        }

        Settings withProxy(ProxyConfiguration proxyConfiguration) {
            return new Settings(region, endpointOverride, proxyConfiguration, connectTimeout, apiCallAttemptTimeout,
                    apiCallTimeout, maxAttempts);
        }

        public Settings withTimeouts(Duration attempt, Duration call, int attempts) {
            return new Settings(region, endpointOverride, proxy, connectTimeout, attempt, call, attempts);
        }

        private static void requirePositive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
        }
    }

    /** {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, from the given environment, in lower case. */
    public static Optional<String> regionFrom(Map<String, String> env) {
        for (String name : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(value.trim().toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }

    /** For {@link WebIdentitySource}: unsigned, so the request carries no signature, only the caller's token. */
    public static StsClient forWebIdentity(Settings settings) {
        return build(settings, (NodeKeys) null);
    }

    /**
     * For {@link AssumeRoleSource}: signed with the node's own keys, looked up like the AWS SDK's default chain
     * ({@link NodeKeyChain}) when first needed, and renewed before they expire.
     */
    public static StsClient forAssumeRole(Settings settings) {
        return build(settings, NodeKeyChain.standard(System.getenv(), System.getProperties(),
                () -> forWebIdentity(settings), Clock.systemUTC()));
    }

    /** A client signing with {@code keys} (tests pass fixed keys). */
    public static StsClient build(Settings settings, AwsKeys keys) {
        return build(settings, NodeKeys.fixed(keys));
    }

    /** A client signing with {@code signer}; null for unsigned requests. */
    public static StsClient build(Settings settings, NodeKeys signer) {
        WireLogging.quiet();
        URI endpoint = StsEndpoints.resolve(settings.region(), settings.endpointOverride(), System.getenv(),
                System.getProperties());
        var config = new StsClient.Config(endpoint, StsEndpoints.signingRegion(settings.region()),
                settings.apiCallAttemptTimeout(), settings.apiCallTimeout(), settings.maxAttempts());
        return new StsClient(config, http(settings), signer, Clock.systemUTC());
    }

    private static HttpClient http(Settings settings) {
        // the client's own work on virtual threads: its default is a cached pool of platform threads (6 seen idle)
        var builder = HttpClient.newBuilder()
                .executor(java.util.concurrent.Executors.newThreadPerTaskExecutor(
                        Thread.ofVirtual().name("iamlet-sts-http-", 0).factory()))
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout());
        ProxyConfiguration proxy = settings.proxy();
        if (proxy == null) {
            builder.proxy(HttpClient.Builder.NO_PROXY);
        } else {
            if (!proxy.scheme().equals("http")) {
                throw new IllegalArgumentException("HTTPS_PROXY must be an http:// URL: the JDK HTTP client does not "
                        + "speak TLS to a proxy (the tunnel to STS is TLS all the same), was scheme " + proxy.scheme());
            }
            builder.proxy(proxy.selector());
            var authenticator = proxy.authenticator();
            if (authenticator != null) {
                ProxyTunnelAuth.allowBasic();
                builder.authenticator(authenticator);
            }
        }
        return builder.build();
    }
}
