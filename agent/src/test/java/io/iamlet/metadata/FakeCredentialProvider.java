package io.iamlet.metadata;

import io.iamlet.credentials.CredentialProvider;
import io.iamlet.credentials.Credentials;
import io.iamlet.credentials.Identity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A credential cache stand-in: credentials per identity, "fetched" (counted) on the first get or prefetch, served from
 * memory afterwards, so tests see cache hits the way the real cache reports them.
 */
final class FakeCredentialProvider implements CredentialProvider {

    static final Instant EXPIRATION =
            Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    final List<Identity> gets = new CopyOnWriteArrayList<>();
    final List<Identity> prefetches = new CopyOnWriteArrayList<>();
    final AtomicInteger fetches = new AtomicInteger();
    private final Map<Identity, Credentials> cached = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Served> get(Identity identity) {
        gets.add(identity);
        boolean hit = cached.containsKey(identity);
        return CompletableFuture.completedFuture(new Served(cached.computeIfAbsent(identity, this::fetch), hit));
    }

    @Override
    public void prefetch(Identity identity) {
        prefetches.add(identity);
        cached.computeIfAbsent(identity, this::fetch);
    }

    private Credentials fetch(Identity identity) {
        int n = fetches.incrementAndGet();
        String role = identity.roleArn().substring(identity.roleArn().lastIndexOf('/') + 1);
        return new Credentials("ASIA" + role.toUpperCase(java.util.Locale.ROOT) + n, "secret-" + role,
                "session-" + role, EXPIRATION, "123456789012", "sts-req-" + n, Instant.now());
    }
}
