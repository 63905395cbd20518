package io.iamlet.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.CacheSettings;
import io.iamlet.credentials.CredentialCache;
import io.iamlet.credentials.CredentialSource;
import io.iamlet.credentials.Credentials;
import io.iamlet.credentials.Identity;
import io.iamlet.identity.JwksTokenVerifier;
import io.iamlet.metrics.CredentialDecisionMetrics;
import io.iamlet.identity.KeyMaterial;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import io.iamlet.podidentity.PodIdentityService;
import io.iamlet.credentials.CredentialsJson;
import io.iamlet.testing.TestTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The container endpoint's decision for a caller whose token and credentials are cached: token verification (a
 * SHA-256 and a cache lookup), pod lookup, binding check, role lookup, credential cache hit, audit line and decision counter, JSON.
 * Real verifier and cache; the pod index, role resolver and STS source are in-memory stand-ins (their cached
 * paths are map lookups). Run with {@code bench/jmh.sh}; {@code -prof gc} gives bytes allocated per request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {

    /** false: the production default, one audit line per credential and pod; true: --audit-every-grant. */
    @Param({"false", "true"})
    public boolean auditEveryGrant;

    private static final String IP = "10.1.2.3";

    private PodIdentityService service;
    private JwksTokenVerifier verifier;
    private String token;

    @Setup(Level.Trial)
    public void setUp() {
        var tokens = TestTokens.standard();
        var pod = new PodInfo("shop", "web-1", "uid-1", "web", List.of(IP), Map.of(), Instant.now(), false);
        token = tokens.token("shop", "web-1", "uid-1", "web", "sa-uid");
        var registry = new SimpleMeterRegistry();
        verifier = new JwksTokenVerifier(
                () -> CompletableFuture.completedFuture(new KeyMaterial(tokens.issuer(), tokens.jwks())),
                JwksTokenVerifier.Settings.defaults(), Runnable::run, Clock.systemUTC(), Ticker.systemTicker(),
                registry);
        verifier.maintain();
        var cache = new CredentialCache(new FixedSource(), CacheSettings.defaults(), key -> true, registry);
        var audit = new AuditLog("bench-node", auditEveryGrant, registry);
        audit.addListener(new CredentialDecisionMetrics(registry)); // as the Agent wires it
        service = new PodIdentityService(verifier, new OnePod(pod),
                (ns, sa) -> CompletableFuture.completedFuture("arn:aws:iam::111122223333:role/web"), cache, audit);
        service.credentialsFor(IP, token).join(); // first request: loads the cache, verifies the signature once
    }

    @Benchmark
    public byte[] cachedCredentialRequest() {
        return CredentialsJson.container(service.credentialsFor(IP, token).join());
    }

    /** A source that answers at once, so the measured path never includes STS. */
    static final class FixedSource implements CredentialSource {
        @Override
        public String name() {
            return "bench";
        }

        @Override
        public CacheKey keyFor(Identity identity) {
            return new CacheKey("bench", identity.roleArn(), identity.namespace(), identity.serviceAccount(), null);
        }

        @Override
        public CompletableFuture<Credentials> fetch(Identity identity) {
            Instant now = Instant.now();
            return CompletableFuture.completedFuture(new Credentials("ASIABENCH", "secret", "session",
                    now.plus(Duration.ofHours(1)), "111122223333", "request-id", now));
        }
    }

    static final class OnePod implements PodIndex {
        private final PodInfo pod;

        OnePod(PodInfo pod) {
            this.pod = pod;
        }

        @Override
        public Optional<PodInfo> at(String ip) {
            return IP.equals(ip) ? Optional.of(pod) : Optional.empty();
        }

        @Override
        public CompletableFuture<PodInfo> await(String ip) {
            return CompletableFuture.completedFuture(pod);
        }

        @Override
        public Collection<PodInfo> pods() {
            return List.of(pod);
        }

        @Override
        public boolean synced() {
            return true;
        }

        @Override
        public void addListener(PodListener listener) {
        }
    }
}
