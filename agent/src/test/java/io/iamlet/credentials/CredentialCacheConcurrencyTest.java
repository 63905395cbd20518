package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.credentials.CredentialProvider.Served;
import io.iamlet.credentials.CredentialSource.CacheKey;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cache under concurrent callers and on real threads. */
class CredentialCacheConcurrencyTest {

    private final ManualTime time = new ManualTime(Instant.parse("2030-01-01T00:00:00Z"));
    private final FakeSource source = new FakeSource(time);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private CredentialCache cache = new CredentialCache(source, CacheSettings.defaults(), key -> true, registry,
            new CacheTiming(time, time, time, Runnable::run, () -> 0.0));

    @AfterEach
    void close() {
        cache.close();
    }

    private static Identity identity(String serviceAccount) {
        return new Identity("arn:aws:iam::123456789012:role/reader", "team-a", serviceAccount, "pod-1", "uid-1",
                new Identity.WebIdentityToken("token-of-" + serviceAccount));
    }

    @Test
    void concurrentFirstRequestsShareOneStsCall() throws Exception {
        source.park(true);
        List<CompletableFuture<Served>> futures = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<CompletableFuture<CompletableFuture<Served>>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return cache.get(identity("reader"));
                }, pool));
            }
            start.countDown();
            for (var call : calls) {
                futures.add(call.join());
            }
        }
        assertThat(futures).noneMatch(CompletableFuture::isDone);
        assertThat(source.fetchCount()).isEqualTo(1);

        source.releaseParked();

        Set<String> keys = futures.stream().map(f -> f.join().credentials().accessKeyId()).collect(Collectors.toSet());
        assertThat(keys).hasSize(1);
        assertThat(source.fetchCount()).isEqualTo(1);
    }

    @Test
    void stsCallsNeverStartOnTheCallersThread() throws Exception {
        cache.close();
        Set<Thread> fetchThreads = ConcurrentHashMap.newKeySet();
        CredentialSource recording = new CredentialSource() {
            @Override public String name() { return source.name(); }
            @Override public CacheKey keyFor(Identity identity) { return source.keyFor(identity); }
            @Override public CompletableFuture<Credentials> fetch(Identity identity) {
                fetchThreads.add(Thread.currentThread());
                return source.fetch(identity);
            }
        };
        try (ExecutorService sts = Executors.newSingleThreadExecutor()) {
            cache = new CredentialCache(recording, CacheSettings.defaults(), key -> true, registry,
                    new CacheTiming(time, time, time, sts, () -> 0.0));

            cache.get(identity("reader")).join();

            assertThat(fetchThreads).hasSize(1).doesNotContain(Thread.currentThread());
        }
    }
}
