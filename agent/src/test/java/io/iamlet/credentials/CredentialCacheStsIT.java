package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.iamlet.credentials.CredentialProvider.Served;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsCall;
import io.iamlet.testing.FakeStsExtension;
import io.iamlet.testing.FakeStsFault;
import io.iamlet.testing.FakeStsGate;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import io.iamlet.credentials.sts.StsClient;

/** The cache over the real sources, the real SDK and FakeSts. */
class CredentialCacheStsIT {

    private static final String ROLE = "arn:aws:iam::123456789012:role/reader";
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZWFkZXIifQ.web-identity-token-signature";

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension();
    private static final FakeSts sts = fake.sts();
    private static final StsClient anonymous =
            fake.closing(TestStsClients.webIdentity(TestStsClients.singleAttempt(sts)));
    private static StsClient node;
    private static Credentials nodeSession;
    private final ManualTime time = new ManualTime(Instant.now());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private CredentialCache cache;

    @BeforeAll
    static void start() {
        nodeSession = new WebIdentitySource(anonymous, Duration.ofHours(12), java.time.Clock.systemUTC())
                .fetch(new Identity("arn:aws:iam::111122223333:role/node", "kube-system", "iamlet", "iamlet-x", "u",
                        new Identity.WebIdentityToken("node-token"))).join();
        // the node signs AssumeRole with session credentials, so a security token is in every signed request
        node = fake.closing(TestStsClients.session(TestStsClients.singleAttempt(sts), nodeSession));
    }

    @AfterEach
    void closeCache() { // before the extension resets FakeSts
        if (cache != null) {
            cache.close();
        }
    }

    private CredentialCache cache(CredentialSource source, CacheTiming timing) {
        cache = new CredentialCache(new MeteredSource(source, registry), CacheSettings.defaults(), key -> true,
                registry, timing);
        return cache;
    }

    private CacheTiming manualTiming() {
        return new CacheTiming(time, time, time, Runnable::run, () -> 0.5);
    }

    private static Identity identity(String token) {
        return new Identity(ROLE, "team-a", "reader", "pod-1", "uid-1", new Identity.WebIdentityToken(token));
    }

    @Test
    void aHundredConcurrentFirstRequestsMakeOneStsCall() throws Exception {
        cache(new WebIdentitySource(anonymous, Duration.ofHours(1), java.time.Clock.systemUTC()),
                CacheTiming.system());
        FakeStsGate gate = sts.holdNext();
        List<CompletableFuture<Served>> served = new ArrayList<>();
        try (ExecutorService callers = Executors.newFixedThreadPool(20)) {
            List<CompletableFuture<CompletableFuture<Served>>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> cache.get(identity(TOKEN)), callers));
            }
            for (var call : calls) {
                served.add(call.join());
            }
        }
        assertThat(gate.awaitArrival(Duration.ofSeconds(10))).isTrue();
        assertThat(served).noneMatch(CompletableFuture::isDone);

        gate.release();

        assertThat(served.stream().map(f -> f.join().credentials().accessKeyId()).distinct()).hasSize(1);
        assertThat(sts.requestsReceived()).isEqualTo(1);
        assertThat(registry.get("iamlet.sts.requests").tag("outcome", "success").counter().count()).isEqualTo(1);
    }

    @Test
    void renewsWithTheSameRoleAndTheFreshestToken() {
        cache(new WebIdentitySource(anonymous, Duration.ofHours(1), time), manualTiming());
        Served first = cache.get(identity(TOKEN + "-1")).join();
        cache.get(identity(TOKEN + "-2")).join();

        time.advance(Duration.ofMinutes(30));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !cache.get(identity(TOKEN)).join().credentials().equals(first.credentials()));

        Served renewed = cache.get(identity(TOKEN)).join();
        assertThat(renewed.cacheHit()).isTrue();
        assertThat(sts.roleOf(renewed.credentials().accessKeyId())).contains(ROLE);
        assertThat(sts.calls().get(1).tokenSha256()).isNotEqualTo(sts.calls().get(0).tokenSha256());
    }

    @Test
    void noSecretOrTokenAppearsInAnyLogLine() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger sdk = (Logger) LoggerFactory.getLogger("software.amazon.awssdk");
        Level before = root.getLevel();
        Level sdkBefore = sdk.getLevel();
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.DEBUG);
        sdk.setLevel(Level.DEBUG); // logback-test.xml quiets the SDK; this test wants all it would say
        try {
            exerciseEveryLoggingPath();
        } finally {
            root.detachAppender(appender);
            root.setLevel(before);
            sdk.setLevel(sdkBefore);
        }

        List<String> secrets = Stream.concat(
                sts.calls().stream().map(FakeStsCall::issuedAccessKeyId).filter(Objects::nonNull)
                        .map(key -> sts.issued(key).orElseThrow())
                        .flatMap(i -> Stream.of(i.secretAccessKey(), i.sessionToken())),
                Stream.of(nodeSession.secretAccessKey(), nodeSession.sessionToken())).toList();
        assertThat(secrets).as("4 issued in the test + the node session").hasSizeGreaterThanOrEqualTo(10);
        assertThat(appender.list).as("no wire dump, no canonical request")
                .noneMatch(e -> WireLogging.LEAKY.stream().anyMatch(e.getLoggerName()::startsWith));
        List<String> lines = appender.list.stream().map(CredentialCacheStsIT::everything).toList();
        assertThat(lines).as("our own warnings were captured").anyMatch(l -> l.contains("renewal failed"));
        assertThat(lines).anyMatch(l -> l.contains("renewal denied"));
        for (String line : lines) {
            assertThat(line).doesNotContain(TOKEN).doesNotContain(FakeSts.NODE_SECRET_ACCESS_KEY);
            for (String secret : secrets) {
                assertThat(line).doesNotContain(secret);
            }
        }
    }

    /**
     * Success, renewal failure with retry, renewal denial, first-load denial, for both sources. Each source gets its
     * own fake time starting now, since FakeSts here issues expirations by the system clock.
     */
    private void exerciseEveryLoggingPath() {
        for (String name : List.of(WebIdentitySource.NAME, AssumeRoleSource.NAME)) {
            ManualTime t = new ManualTime(Instant.now());
            CredentialSource source = name.equals(WebIdentitySource.NAME)
                    ? new WebIdentitySource(anonymous, Duration.ofHours(1), t)
                    : new AssumeRoleSource(node, "prod", Duration.ofHours(1), t);
            CredentialCache c = cache(source, new CacheTiming(t, t, t, Runnable::run, () -> 0.5));
            Identity identity = identity(TOKEN);
            c.get(identity).join();
            c.get(identity).join();
            sts.failNext(FakeStsFault.THROTTLING);
            sts.failNext(FakeStsFault.ACCESS_DENIED);
            t.advance(Duration.ofMinutes(30));
            // the renewal and its retry complete on SDK threads: keep moving time until the denial evicted
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                t.advance(Duration.ofSeconds(1));
                return registry.get("iamlet.cache.evictions").tags("source", name, "cause", "denied")
                        .counter().count() == 1;
            });
            sts.failNext(FakeStsFault.INVALID_IDENTITY_TOKEN);
            assertThat(c.get(identity)).failsWithin(Duration.ofSeconds(10));
            c.get(identity).join();
            c.close();
        }
    }

    private static String everything(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(event.getFormattedMessage());
        if (event.getArgumentArray() != null) {
            sb.append(Arrays.deepToString(event.getArgumentArray()));
        }
        if (event.getThrowableProxy() != null) {
            sb.append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
        }
        event.getMDCPropertyMap().forEach((k, v) -> sb.append(k).append(v));
        return sb.toString();
    }
}
