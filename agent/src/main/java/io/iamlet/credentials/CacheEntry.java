package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the cache holds for a key: live credentials, or the failure of the load that tried to get them. A failure
 * is stored (with zero lifetime, so it is never served to a later caller) rather than thrown, because Caffeine logs
 * every exceptionally completed load at WARNING through {@code System.Logger}, outside our logging.
 */
sealed interface CacheEntry {

    record Live(Credentials credentials, Slot slot) implements CacheEntry {
    }

    record Failed(Failure failure) implements CacheEntry {
    }

    /**
     * Per-key state shared by successive generations of a key's credentials: the freshest identity seen (a new
     * web-identity token, for renewal), when the key was last served, and the pending renewal (cancelled when the
     * entry leaves the cache).
     */
    final class Slot {
        private volatile Identity latest;
        private volatile long lastUsedNanos;
        private final AtomicReference<Future<?>> renewal = new AtomicReference<>();

        Slot(Identity identity, long nowNanos) {
            this.latest = identity;
            this.lastUsedNanos = nowNanos;
        }

        void touch(Identity identity, long nowNanos) {
            latest = identity;
            lastUsedNanos = nowNanos;
        }

        Identity latest() {
            return latest;
        }

        long lastUsedNanos() {
            return lastUsedNanos;
        }

        void renewal(Future<?> pending) {
            renewal.set(pending);
        }

        void cancelRenewal() {
            Future<?> pending = renewal.getAndSet(null);
            if (pending != null) {
                pending.cancel(false);
            }
        }
    }
}
