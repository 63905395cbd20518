package io.iamlet.pods;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies informer events to the {@link IpClaims}, then tells the waiters and listeners.
 *
 * <p>Every event is reduced to "this uid's latest snapshot is X" or "this uid is gone", which the claims apply
 * idempotently, so the informer's replays are harmless: a resync delivers {@code onUpdate(p, p)}, a relist after a
 * lost watch delivers adds or updates for pods still there and {@code onDelete(p, true)} for pods that vanished.
 * The informer caches by namespace/name, so a pod deleted and recreated under the same name while the watch was
 * down arrives as one update whose uid changed: the old uid is removed first.
 *
 * <p>A deletion, a finished phase and a uid replaced under the same name leave a tombstone in the claims (the pod is
 * gone); a pod that merely stops being indexable (no IP any more) does not.
 *
 * <p>Order of effects for each event: claims first, then waiters for every IP that now has a sole owner and for
 * the uid of every pod now indexed, then listeners. An exception in a listener is logged and does not stop the
 * others or the index.
 *
 * <p>Listeners can be held ({@link #holdListenersUntil}): their notifications queue, in order, until a given stage
 * completes, then are delivered in that order before any later one. The agent holds them until the first list is
 * indexed, so that what listeners start per pod (prefetches, API calls) does not compete with the list that
 * readiness waits for; the claims and waiters are never held.
 */
final class PodEvents implements ResourceEventHandler<PodView> {

    private static final Logger log = LoggerFactory.getLogger(PodEvents.class);

    private final PodReader reader;
    private final IpClaims claims;
    private final Waiters ipWaiters;
    private final Waiters uidWaiters;
    private final List<PodIndex.PodListener> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> firstSync = new CompletableFuture<>();
    /** Guards {@link #held}, and delivery, so that held notifications go out before any later one. */
    private final Object delivery = new Object();
    /** Notifications waiting for the listeners to be released; null when they are not held. */
    private List<Notification> held;

    private record Notification(PodInfo pod, boolean added) {
    }

    PodEvents(PodReader reader, IpClaims claims, Waiters ipWaiters, Waiters uidWaiters) {
        this.reader = reader;
        this.claims = claims;
        this.ipWaiters = ipWaiters;
        this.uidWaiters = uidWaiters;
    }

    void addListener(PodIndex.PodListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * From now on, queues the listeners' notifications until {@code release} completes (either way), then delivers
     * the queue, in order, on the thread that completes it. Call before the informer starts.
     */
    void holdListenersUntil(CompletionStage<?> release) {
        synchronized (delivery) {
            if (held == null) {
                held = new ArrayList<>();
            }
        }
        release.whenComplete((ok, e) -> releaseListeners());
    }

    private void releaseListeners() {
        synchronized (delivery) {
            List<Notification> queued = held;
            if (queued == null) {
                return;
            }
            held = null;
            log.atDebug().setMessage("pod listeners released").addKeyValue("queued", queued.size()).log();
            for (Notification n : queued) {
                deliver(n.pod(), n.added());
            }
        }
    }

    /** Completes once the handler has seen the informer's first full list. */
    CompletableFuture<Void> firstSync() {
        return firstSync;
    }

    boolean synced() {
        return firstSync.isDone() && !firstSync.isCompletedExceptionally();
    }

    @Override
    public void onAdd(PodView pod) {
        apply(pod);
    }

    @Override
    public void onUpdate(PodView before, PodView pod) {
        String oldUid = uid(before);
        if (oldUid != null && !oldUid.equals(uid(pod))) {
            publish(claims.delete(oldUid));
        }
        apply(pod);
    }

    @Override
    public void onDelete(PodView pod, boolean finalStateUnknown) {
        String uid = uid(pod);
        if (uid != null) {
            publish(claims.delete(uid));
        }
    }

    /** Called by the informer after each full list (the first one and every relist), after the list's events. */
    @Override
    public void onList(String resourceVersion, boolean remainedEmpty) {
        if (!firstSync.isDone()) { // one informer thread: no other completes it meanwhile
            // logged first: completing it releases the held listeners on this thread
            log.atInfo().setMessage("pod index synced").addKeyValue("pods", claims.size())
                    .addKeyValue("resourceVersion", resourceVersion).log();
            firstSync.complete(null);
        }
    }

    private void apply(PodView pod) {
        String uid = uid(pod);
        if (uid == null) {
            return;
        }
        publish(reader.read(pod).map(claims::put)
                .orElseGet(() -> PodReader.finished(pod) ? claims.delete(uid) : claims.remove(uid)));
    }

    private void publish(IpClaims.Change change) {
        change.owners().forEach(ipWaiters::complete);
        for (PodInfo pod : change.added()) {
            uidWaiters.complete(pod.uid(), pod);
        }
        for (PodInfo pod : change.added()) {
            log.atDebug().setMessage("pod indexed").addKeyValue("pod", pod.ref()).addKeyValue("uid", pod.uid())
                    .addKeyValue("ips", pod.ips()).log();
            notify(pod, true);
        }
        for (PodInfo pod : change.removed()) {
            log.atDebug().setMessage("pod unindexed").addKeyValue("pod", pod.ref()).addKeyValue("uid", pod.uid()).log();
            notify(pod, false);
        }
    }

    private void notify(PodInfo pod, boolean added) {
        synchronized (delivery) {
            if (held != null) {
                held.add(new Notification(pod, added));
            } else {
                deliver(pod, added);
            }
        }
    }

    private void deliver(PodInfo pod, boolean added) {
        for (PodIndex.PodListener listener : listeners) {
            try {
                if (added) {
                    listener.added(pod);
                } else {
                    listener.removed(pod);
                }
            } catch (RuntimeException e) {
                log.atWarn().setMessage("pod listener failed").addKeyValue("pod", pod.ref()).setCause(e).log();
            }
        }
    }

    private static String uid(PodView pod) {
        return pod == null || pod.getMetadata() == null ? null : pod.getMetadata().getUid();
    }
}
