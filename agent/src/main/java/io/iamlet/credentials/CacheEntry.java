package io.iamlet.credentials;

import io.iamlet.credentials.Identity.WebIdentityToken;
import io.iamlet.failure.Failure;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the cache holds for a key: live credentials, or the failure of the load that tried to get them. A failure
 * is stored rather than thrown, because Caffeine logs every exceptionally completed load at WARNING through
 * {@code System.Logger}, outside our logging; it lives for {@code lifetime} (zero: only the load's own waiters see
 * it), during which callers get it again without an STS call.
 */
sealed interface CacheEntry {

    record Live(Credentials credentials, Slot slot) implements CacheEntry {
    }

    record Failed(Failure failure, Duration lifetime) implements CacheEntry {
    }

    /**
     * Per-key state shared by successive generations of a key's credentials: the freshest identity seen (a new
     * web-identity token, for renewal), when the key was last served, the pending renewal (cancelled when the
     * entry leaves the cache), and whether renewal waits for a usable token (none was live when it fell due, or
     * STS refused the last one).
     */
    final class Slot {
        private volatile Identity latest;
        private volatile long lastUsedNanos;
        private final AtomicReference<Future<?>> renewal = new AtomicReference<>();
        private final AtomicBoolean awaitingToken = new AtomicBoolean();
        private volatile WebIdentityToken refused;

        Slot(Identity identity, long nowNanos) {
            this.latest = identity;
            this.lastUsedNanos = nowNanos;
        }

        /** Served to {@code identity}: keep its token unless the one held is known to outlive it. */
        void touch(Identity identity, long nowNanos) {
            Identity held = latest;
            if (!outlives(held, identity) || held.token().equals(refused)) {
                latest = identity;
            }
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

        /** Renewal stops until a caller brings a token other than {@code refusedToken} (null: any live one). */
        void awaitToken(WebIdentityToken refusedToken) {
            refused = refusedToken;
            awaitingToken.set(true);
        }

        boolean awaitingToken() {
            return awaitingToken.get();
        }

        /**
         * Whether {@code identity} brings the token renewal waits for (once: true to one caller only), given that
         * {@code usable} says its token is live.
         */
        boolean takeAwaitedToken(Identity identity, boolean usable) {
            return usable && identity.token() != null && !identity.token().equals(refused)
                    && awaitingToken.compareAndSet(true, false);
        }

        private static boolean outlives(Identity held, Identity other) {
            if (held.token() == null || other.token() == null || held.token().expiresAt() == null
                    || other.token().expiresAt() == null) {
                return false;
            }
            return held.token().expiresAt().isAfter(other.token().expiresAt());
        }
    }
}
