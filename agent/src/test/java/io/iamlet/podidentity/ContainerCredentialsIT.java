package io.iamlet.podidentity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.credentials.Credentials;
import io.iamlet.failure.Failure;
import io.iamlet.server.HttpServer;
import io.iamlet.server.ListenAddress;
import io.iamlet.server.RawClient;
import io.iamlet.server.Routes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;

/**
 * The container route as a pod's SDK sees it: the real AWS SDK for Java v2 {@link ContainerCredentialsProvider}
 * pointed at the server on loopback through {@code aws.containerCredentialsFullUri} and
 * {@code aws.containerAuthorizationToken} (the system-property twins of the environment variables).
 */
class ContainerCredentialsIT {

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    private static final Instant EXPIRATION = Instant.now().plus(Duration.ofHours(1)).plusMillis(789);

    private final ExecutorService sts = Executors.newSingleThreadExecutor();
    private volatile ContainerCredentialService service;
    private volatile String seenIp;
    private volatile String seenToken;
    private HttpServer server;
    private ListenAddress address;

    @BeforeEach
    void start() {
        Routes routes = Routes.builder()
                .get("/v1/credentials", "container", new ContainerCredentialsHandler((ip, token) -> {
                    seenIp = ip;
                    seenToken = token;
                    return service.credentialsFor(ip, token);
                }))
                .build();
        server = HttpServer.builder("container", routes, new SimpleMeterRegistry())
                .listen(ListenAddress.parse("127.0.0.1:0")).build();
        server.start();
        address = server.boundAddresses().getFirst();
        System.setProperty("aws.containerCredentialsFullUri", "http://" + address + "/v1/credentials");
        System.setProperty("aws.containerAuthorizationToken", TOKEN);
    }

    @AfterEach
    void stop() {
        System.clearProperty("aws.containerCredentialsFullUri");
        System.clearProperty("aws.containerAuthorizationToken");
        server.stop(Duration.ofSeconds(5)).join();
        sts.shutdownNow();
    }

    @Test
    void sdkContainerProviderObtainsCredentialsAndTheirExpiration() {
        // answered from another thread, as the STS client would
        service = (ip, token) -> CompletableFuture.supplyAsync(() -> new Credentials("ASIAEXAMPLE", "secret/key",
                "session-token", EXPIRATION, "123456789012", "req-1", Instant.now()), sts);
        try (var provider = ContainerCredentialsProvider.builder().build()) {
            var credentials = (AwsSessionCredentials) provider.resolveCredentials();
            assertThat(credentials.accessKeyId()).isEqualTo("ASIAEXAMPLE");
            assertThat(credentials.secretAccessKey()).isEqualTo("secret/key");
            assertThat(credentials.sessionToken()).isEqualTo("session-token");
            assertThat(credentials.expirationTime()).contains(EXPIRATION.truncatedTo(ChronoUnit.SECONDS));
            // AccountId is sent (botocore reads it) but the Java SDK 2.57.8 container loader ignores it
        }
        assertThat(seenIp).isEqualTo("127.0.0.1");
        assertThat(seenToken).isEqualTo(TOKEN);
    }

    @Test
    void sdkContainerProviderRetriesAServiceUnavailableAnswer() {
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        service = (ip, token) -> calls.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new Failure.NotYetKnown("unknown_ip", "pod not indexed yet"))
                : CompletableFuture.completedFuture(new Credentials("ASIARETRY", "s", "t", EXPIRATION, null, null,
                        Instant.now()));
        try (var provider = ContainerCredentialsProvider.builder().build()) {
            assertThat(provider.resolveCredentials().accessKeyId()).isEqualTo("ASIARETRY");
        }
        assertThat(calls).hasValue(2);
    }

    @Test
    void sdkContainerProviderReportsTheRefusalMessageAndNeverTheToken() {
        service = (ip, token) -> CompletableFuture.failedFuture(
                new Failure.Denied("pod_mismatch", "the token belongs to another pod"));
        try (var provider = ContainerCredentialsProvider.builder().build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .hasStackTraceContaining("the token belongs to another pod")
                    .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(TOKEN));
        }
    }

    @Test
    void errorBodiesNeverCarryTheToken() throws Exception {
        service = (ip, token) -> CompletableFuture.failedFuture(
                new IllegalStateException("STS said no to " + token));
        try (var client = new RawClient(address)) {
            client.send("GET /v1/credentials HTTP/1.1\r\nHost: 169.254.170.23\r\nAuthorization: " + TOKEN + "\r\n\r\n");
            RawClient.Reply reply = client.read();
            assertThat(reply.status()).isEqualTo(500);
            assertThat(reply.body()).doesNotContain(TOKEN).doesNotContain("STS said");

            reply = client.get("/v1/credentials");
            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.body()).contains("\"code\":\"InvalidRequest\"", "\"Code\":\"InvalidRequest\"");

            client.send("GET /v1/credentials HTTP/1.1\r\nHost: 169.254.170.23\r\nAuthorization: " + TOKEN
                    + "\u0001\r\n\r\n");
            reply = client.read();
            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.body()).doesNotContain(TOKEN).doesNotContain("c2lnbmF0dXJl");
        }
    }

    private static String stackTrace(Throwable t) {
        var out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
