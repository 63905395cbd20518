package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A credential source under the test's control: issues at once, fails on demand, or parks calls. */
final class FakeSource implements CredentialSource {

    record Fetch(Identity identity, Instant at, Budget budget) {
    }

    private final ManualTime time;
    private final List<Fetch> fetches = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final List<CompletableFuture<Credentials>> parked = new CopyOnWriteArrayList<>();
    private final AtomicInteger serial = new AtomicInteger();
    private volatile Duration lifetime = Duration.ofHours(1);
    private volatile boolean park;
    private volatile Failure failAlways;

    FakeSource(ManualTime time) {
        this.time = time;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public CacheKey keyFor(Identity identity) {
        return new CacheKey("fake", identity.roleArn(), identity.namespace(), identity.serviceAccount(), null);
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity) {
        return fetch(identity, Budget.BACKGROUND);
    }

    @Override
    public CompletableFuture<Credentials> fetch(Identity identity, Budget budget) {
        fetches.add(new Fetch(identity, time.instant(), budget));
        if (park) {
            CompletableFuture<Credentials> pending = new CompletableFuture<>();
            parked.add(pending);
            return pending;
        }
        Failure failure = failures.poll();
        if (failure == null) {
            failure = failAlways;
        }
        return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(issue());
    }

    Credentials issue() {
        int n = serial.incrementAndGet();
        Instant now = time.instant();
        return new Credentials("ASIAFAKE" + String.format("%012d", n), "secret-" + n + "-do-not-log",
                "session-token-" + n + "-do-not-log", now.plus(lifetime), "123456789012", "req-" + n, now);
    }

    void lifetime(Duration value) {
        lifetime = value;
    }

    void failNext(Failure failure) {
        failures.add(failure);
    }

    void failAlways(Failure failure) {
        failAlways = failure;
    }

    void park(boolean value) {
        park = value;
    }

    /** Completes every parked call with fresh credentials. */
    void releaseParked() {
        for (CompletableFuture<Credentials> p : new ArrayList<>(parked)) {
            parked.remove(p);
            p.complete(issue());
        }
    }

    List<Fetch> fetches() {
        return List.copyOf(fetches);
    }

    int fetchCount() {
        return fetches.size();
    }

    static Failure unavailable() {
        return new Failure.Unavailable("sts_throttled", "STS throttled");
    }

    static Failure timeout() {
        return new Failure.Unavailable("sts_timeout", "STS timed out");
    }

    static Failure tokenExpired() {
        return new Failure.Denied("sts_token_expired", "STS: token expired");
    }

    static Failure denied() {
        return new Failure.Denied("sts_access_denied", "STS denied");
    }
}
