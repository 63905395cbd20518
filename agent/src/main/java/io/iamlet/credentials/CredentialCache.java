package io.iamlet.credentials;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.iamlet.credentials.CacheEntry.Failed;
import io.iamlet.credentials.CacheEntry.Live;
import io.iamlet.credentials.CacheEntry.Slot;
import io.iamlet.credentials.CredentialSource.Budget;
import io.iamlet.credentials.CredentialSource.CacheKey;
import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Credentials per identity, fetched once, renewed in the background, served from memory.
 *
 * <p>Design. One Caffeine {@link AsyncCache} from {@link CacheKey} to a future {@link CacheEntry}:
 * <ul>
 *   <li><b>Single flight.</b> A miss installs the load's future with {@code get(key, loader)}; every concurrent
 *       caller with the same key gets that future, so one STS call serves them all. A load started by a caller
 *       makes one short STS attempt ({@link Budget#CALLER_WAITING}); if that attempt times out, the same load goes
 *       on with the full budget ({@link Budget#BACKGROUND}), so that while the server answers the caller 503 at its
 *       deadline, the SDK's retry joins the load and finds the credentials. Prefetch and renewal use the full
 *       budget.</li>
 *   <li><b>Failures remembered.</b> A failed load is stored as a {@link Failed} entry living
 *       {@link FailedLoads#lifetime} (seconds when STS is unavailable, longer when it denied; zero when so
 *       configured, or for an expired token, which is the one caller's). Callers meanwhile get the same failure at
 *       once, without an STS call (counted as suppressed): STS calls per identity are bounded whatever the number
 *       of pods and retries.</li>
 *   <li><b>Never expired.</b> Each live entry expires (Caffeine {@link Expiry}) {@code expiryMargin} before its
 *       credentials do; Caffeine treats an expired entry as absent, so an expired entry is a miss. Serving checks
 *       the wall clock once more.</li>
 *   <li><b>Renewal ahead of time.</b> When credentials are installed, a task is scheduled on the injected
 *       scheduler for {@link Renewal#delay}, brought forward by a jitter ({@link Renewal#jittered}) so identities
 *       installed together renew apart. It renews only if the cache still holds exactly that entry, the key is
 *       still wanted (a pod on this node uses it) and was served recently; it fetches with the freshest identity
 *       seen for the key and installs the result with a conditional replace, so it never undoes an eviction or
 *       overwrites a newer load. Callers keep hitting the old entry meanwhile: only a first request waits on STS.</li>
 *   <li><b>Never a dead token.</b> Renewal uses a web-identity token only while it is valid for
 *       {@code tokenMargin} more. When none is (short projected-token lifetimes), or STS refuses the token itself
 *       (expired, invalid), renewal waits: the entry keeps serving until it expires, and the next caller that
 *       brings a live token (another one than STS refused) restarts the renewal in the background.</li>
 *   <li><b>Renewal failure.</b> {@code Unavailable}: the still-valid entry stays and the renewal is retried with
 *       jittered exponential backoff until it succeeds or the entry expires. {@code Denied} for the role (access
 *       denied, not the token): the entry is evicted at once.</li>
 *   <li><b>Bounded.</b> At most {@code maxIdentities} entries (Caffeine's size eviction); an entry leaving the
 *       cache for any reason but replacement cancels its pending renewal. Keys no pod wants and keys not served
 *       for {@code idleTimeout} (or twice their lifetime) are not renewed and simply expire.</li>
 *   <li><b>Cross-account chains</b> need nothing special here: the key carries the target role, external id and
 *       tags ({@link Identity.Session}), the source fetches the whole chain as one load, and the entry's lifetime and
 *       renewal follow the target's credentials (at most one hour), so a renewal re-runs the whole chain.</li>
 *   <li><b>Off the caller's thread.</b> STS calls start on {@link CacheTiming#executor()}; {@link #get} only
 *       looks up and composes futures, so it is safe on a Netty event loop.</li>
 * </ul>
 */
public final class CredentialCache implements CredentialProvider, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CredentialCache.class);
    private static final String KEY_FORMAT = "{} {} {} {} {}";

    private final CredentialSource source;
    private final CacheSettings settings;
    private final Predicate<CacheKey> stillWanted;
    private final CacheTiming timing;
    private final AsyncCache<CacheKey, CacheEntry> cache;
    private final CacheMeters meters;
    private volatile boolean closed;

    /** Production wiring: system clock and ticker, Caffeine's system scheduler, the common pool. */
    public CredentialCache(CredentialSource source, CacheSettings settings, Predicate<CacheKey> stillWanted,
                           MeterRegistry registry) {
        this(source, settings, stillWanted, registry, CacheTiming.system());
    }

    /**
     * @param source      usually a {@link MeteredSource} around a {@link WebIdentitySource} or {@link AssumeRoleSource}
     * @param stillWanted asked before each renewal: false when no pod on this node uses the key any more
     */
    public CredentialCache(CredentialSource source, CacheSettings settings, Predicate<CacheKey> stillWanted,
                           MeterRegistry registry, CacheTiming timing) {
        this.source = Objects.requireNonNull(source, "source");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.stillWanted = Objects.requireNonNull(stillWanted, "stillWanted");
        this.timing = Objects.requireNonNull(timing, "timing");
        this.cache = Caffeine.newBuilder()
                .maximumSize(settings.maxIdentities())
                .expireAfter(Expiry.writing(this::lifetime))
                .ticker(timing.ticker())
                .scheduler(timing.scheduler())
                // Maintenance inline (as the audit log's and the token cache's): a hot key fills Caffeine's read
                // buffer every few requests, and handing each drain to a pool thread cost more than the drain.
                // STS calls do not run here: loads and renewals start them on timing.executor() themselves.
                .executor(Runnable::run)
                .removalListener(this::removed)
                .buildAsync();
        this.meters = new CacheMeters(registry, source.name(), cache);
    }

    @Override
    public CompletableFuture<Served> get(Identity identity) {
        CacheKey key;
        try {
            key = source.keyFor(identity);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (closed) {
            return CompletableFuture.failedFuture(new Failure.Unavailable("shutting_down", "iamlet is stopping"));
        }
        CompletableFuture<CacheEntry> present = cache.getIfPresent(key);
        if (present != null && present.isDone() && !present.isCompletedExceptionally()) {
            return servedNow(key, present, identity); // the usual request: no loader, no dependent future
        }
        boolean[] loading = {false};
        CompletableFuture<CacheEntry> future = cache.get(key, (k, executor) -> {
            loading[0] = true;
            return load(k, identity, Budget.CALLER_WAITING);
        });
        boolean hit = !loading[0] && future.isDone();
        if (hit && future.join() instanceof Failed remembered) {
            meters.suppressed(FailedLoads.outcome(remembered.failure()));
            return CompletableFuture.failedFuture(remembered.failure());
        }
        meters.lookup(hit);
        return future.thenApply(entry -> serve(key, future, entry, identity, hit));
    }

    /** {@link #get}'s answer from an entry already in the cache, as a completed future. */
    private CompletableFuture<Served> servedNow(CacheKey key, CompletableFuture<CacheEntry> present,
                                                Identity identity) {
        CacheEntry entry = present.join();
        if (entry instanceof Failed remembered) {
            meters.suppressed(FailedLoads.outcome(remembered.failure()));
            return CompletableFuture.failedFuture(remembered.failure());
        }
        meters.lookup(true);
        try {
            return CompletableFuture.completedFuture(serve(key, present, entry, identity, true));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void prefetch(Identity identity) {
        if (!closed) {
            try {
                cache.get(source.keyFor(identity), (k, executor) -> load(k, identity, Budget.BACKGROUND));
            } catch (RuntimeException e) {
                pairs(log.atDebug(), "prefetch failed: {}", "error", e.toString()).log();
            }
        }
    }

    /** Stops renewing and forgets every entry. */
    @Override
    public void close() {
        closed = true;
        cache.synchronous().invalidateAll();
    }

    /** Runs Caffeine's pending maintenance (expiry, eviction, listeners); for tests. */
    void cleanUp() {
        cache.synchronous().cleanUp();
    }

    long size() {
        cache.synchronous().cleanUp();
        return cache.synchronous().estimatedSize();
    }

    private Served serve(CacheKey key, CompletableFuture<CacheEntry> future, CacheEntry entry, Identity identity,
                         boolean hit) {
        if (entry instanceof Failed failed) {
            throw failed.failure();
        }
        Live live = (Live) entry;
        Duration left = Duration.between(timing.clock().instant(), live.credentials().expiration());
        if (left.compareTo(settings.expiryMargin()) <= 0) {
            cache.asMap().remove(key, future);
            throw new Failure.Unavailable("credentials_expired", "cached credentials expired before being served");
        }
        Slot slot = live.slot();
        slot.touch(identity, timing.ticker().read());
        if (slot.awaitingToken() && slot.takeAwaitedToken(identity, usable(identity))) {
            fields(log.atDebug(), "renewal resumes with a caller's fresh token: " + KEY_FORMAT, key).log();
            timing.executor().execute(() -> renew(key, live, 0));
        }
        meters.served(left);
        return new Served(live.credentials(), hit);
    }

    private CompletableFuture<CacheEntry> load(CacheKey key, Identity identity, Budget budget) {
        Slot slot = new Slot(identity, timing.ticker().read());
        CompletableFuture<Credentials> fetched = budget == Budget.CALLER_WAITING
                ? fetch(identity, Budget.CALLER_WAITING).exceptionallyCompose(error -> timedOut(error)
                        ? fetch(identity, Budget.BACKGROUND) : CompletableFuture.failedFuture(error))
                : fetch(identity, Budget.BACKGROUND);
        // The renewal is scheduled before the entry completes, so that whoever sees the entry also sees its renewal
        // scheduled (a dependent stage could run after the caller's join had returned).
        return fetched.handle((credentials, error) -> {
            if (error != null) {
                return failed(key, asFailure(error));
            }
            Live live = new Live(credentials, slot);
            scheduleRenewal(key, live, renewalDelay(credentials), 0);
            return live;
        });
    }

    private Failed failed(CacheKey key, Failure failure) {
        Duration remembered = FailedLoads.lifetime(failure, settings, timing.jitter().getAsDouble());
        fields(log.atDebug(), "credentials could not be loaded: " + KEY_FORMAT + " {} {}", key,
                "reason", failure.reason(), "remembered_for", remembered).log();
        return new Failed(failure, remembered);
    }

    private void renew(CacheKey key, Live entry, int attempt) {
        CompletableFuture<CacheEntry> current = cache.asMap().get(key);
        if (closed || current == null || !current.isDone() || current.join() != entry) {
            return; // evicted, expired or replaced since this renewal was scheduled
        }
        if (!wanted(key)) {
            meters.renewal("unwanted");
            fields(log.atDebug(), "not renewing credentials no pod on this node uses; they will expire: " + KEY_FORMAT,
                    key).log();
            return;
        }
        long idleNanos = timing.ticker().read() - entry.slot().lastUsedNanos();
        if (idleNanos > idleLimit(entry.credentials()).toNanos()) {
            meters.renewal("idle");
            fields(log.atDebug(), "not renewing credentials unused for a long time; they will expire: " + KEY_FORMAT,
                    key).log();
            return;
        }
        Identity with = entry.slot().latest();
        if (!usable(with)) {
            meters.renewal("no_token");
            entry.slot().awaitToken(null);
            fields(log.atDebug(), "not renewing yet: no live token for the key; the next request brings one: "
                    + KEY_FORMAT + " {}", key, "valid_until", entry.credentials().expiration()).log();
            return;
        }
        fetch(with, Budget.BACKGROUND).whenComplete((credentials, error) -> {
            if (error == null) {
                Live next = new Live(credentials, entry.slot());
                if (cache.asMap().replace(key, current, CompletableFuture.completedFuture(next))) {
                    meters.renewal("success");
                    scheduleRenewal(key, next, renewalDelay(credentials), 0);
                }
                return;
            }
            Failure failure = asFailure(error);
            if (StsErrors.tokenRefused(failure)) {
                meters.renewal("token_refused");
                entry.slot().awaitToken(with.token());
                fields(log.atWarn(), "renewal refused the token, still serving the current credentials until a "
                        + "request brings another token: " + KEY_FORMAT + " {} {} {}", key, "reason",
                        failure.reason(), "valid_until", entry.credentials().expiration(),
                        "error", failure.getMessage()).log();
                return;
            }
            if (failure instanceof Failure.Denied) {
                meters.renewal("denied");
                if (cache.asMap().remove(key, current)) {
                    meters.eviction("denied");
                }
                fields(log.atWarn(), "renewal denied by STS, credentials evicted: " + KEY_FORMAT + " {} {}", key,
                        "reason", failure.reason(), "error", failure.getMessage()).log();
                return;
            }
            meters.renewal("failed");
            Duration retryIn = Renewal.backoff(attempt + 1, settings.retryInitial(), settings.retryMax(),
                    timing.jitter().getAsDouble());
            fields(log.atWarn(), "renewal failed, still serving the current credentials: " + KEY_FORMAT
                    + " {} {} {} {} {}", key, "reason", failure.reason(), "attempt", attempt + 1, "retry_in", retryIn,
                    "valid_until", entry.credentials().expiration(), "error", failure.getMessage()).log();
            scheduleRenewal(key, entry, retryIn, attempt + 1);
        });
    }

    private void scheduleRenewal(CacheKey key, Live entry, Duration delay, int attempt) {
        if (!closed) {
            entry.slot().renewal(timing.scheduler().schedule(timing.executor(), () -> renew(key, entry, attempt),
                    delay.toNanos(), TimeUnit.NANOSECONDS));
        }
    }

    /**
     * Calls the source on the cache's executor, never on the caller's thread: the SDK's async client marshals,
     * resolves the node's credentials (possibly over the network) and signs on the thread that calls it, and the
     * caller of {@link #get} may be a Netty event loop.
     */
    private CompletableFuture<Credentials> fetch(Identity identity, Budget budget) {
        return CompletableFuture.supplyAsync(() -> source.fetch(identity, budget), timing.executor())
                .thenCompose(future -> future);
    }

    private Duration lifetime(CacheKey key, CacheEntry entry) {
        return switch (entry) {
            case Live live -> {
                Duration left = Duration.between(timing.clock().instant(),
                        live.credentials().expiration().minus(settings.expiryMargin()));
                yield left.isNegative() ? Duration.ZERO : left;
            }
            case Failed failed -> failed.lifetime();
        };
    }

    private boolean usable(Identity identity) {
        return Renewal.usable(identity, timing.clock().instant(), settings.tokenMargin());
    }

    /** The short first attempt ran out of time (not refused, not throttled): STS is slow or the network hangs. */
    private static boolean timedOut(Throwable error) {
        return Failure.find(error).map(f -> StsErrors.TIMEOUT.equals(f.reason())).orElse(false);
    }

    private void removed(CacheKey key, CacheEntry entry, RemovalCause cause) {
        if (!(entry instanceof Live live) || cause == RemovalCause.REPLACED) {
            return;
        }
        live.slot().cancelRenewal();
        if (cause == RemovalCause.EXPIRED) {
            meters.eviction("expired");
            fields(log.atDebug(), "credentials expired: " + KEY_FORMAT, key).log();
        } else if (cause == RemovalCause.SIZE) {
            meters.eviction("size");
            fields(log.atInfo(), "credentials evicted, cache full: " + KEY_FORMAT + " {}", key,
                    "max", settings.maxIdentities()).log();
        }
    }

    /** The injected predicate; if it fails, keep renewing (a bug there must not take credentials away). */
    private boolean wanted(CacheKey key) {
        try {
            return stillWanted.test(key);
        } catch (RuntimeException e) {
            fields(log.atWarn(), "stillWanted failed, renewing anyway: " + KEY_FORMAT + " {}", key,
                    "error", e.toString()).log();
            return true;
        }
    }

    private Duration renewalDelay(Credentials credentials) {
        return Renewal.jittered(Renewal.delay(credentials, timing.clock().instant(), settings.refreshFraction(),
                settings.minRemaining()), timing.jitter().getAsDouble());
    }

    /** Unused for longer than this: stop renewing. At least twice the lifetime, so rare SDK refreshes count. */
    private Duration idleLimit(Credentials credentials) {
        Duration twice = Duration.between(credentials.issuedAt(), credentials.expiration()).multipliedBy(2);
        return twice.compareTo(settings.idleTimeout()) > 0 ? twice : settings.idleTimeout();
    }

    private static Failure asFailure(Throwable error) {
        return Failure.find(error).orElseGet(() -> new Failure.Unavailable("source_error",
                "credential source failed: " + error.getClass().getSimpleName(), error));
    }

    /** The key's fields, then more name-value pairs: each a key-value field and, as name=value, the next {} (as
     * logstash's kv() arguments were). */
    private static LoggingEventBuilder fields(LoggingEventBuilder line, String message, CacheKey key,
            Object... more) {
        pairs(line, message, "source", key.source(), "role", key.roleArn(), "namespace", key.namespace(),
                "service_account", key.serviceAccount(), "pod_uid", key.podUid());
        if (key.session().chained()) {
            line.addKeyValue("target_role", key.session().targetRoleArn()); // a field only: the message stays as is
        }
        return pairs(line, message, more);
    }

    private static LoggingEventBuilder pairs(LoggingEventBuilder line, String message, Object... pairs) {
        line.setMessage(message);
        for (int i = 0; i < pairs.length; i += 2) {
            String name = (String) pairs[i];
            Object value = pairs[i + 1];
            line.addArgument(() -> name + "=" + value).addKeyValue(name, value);
        }
        return line;
    }
}
