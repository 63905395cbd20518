package io.iamlet.webhook.status;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.iamlet.associations.AssociationReview;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.identity.RoleArnAllowList;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the {@code Ready} condition of every PodIdentityAssociation, while {@link #startWriting() told to} (by the
 * {@link StatusLeadership}: one replica writes, not each one).
 *
 * <p>Its own informer, with status (the webhook's association store keeps specs only), started on leadership and
 * stopped when it is lost. Any event schedules one pass over all associations (a change to one can end another's
 * tie); passes run one at a time on one thread and requests arriving during a pass coalesce into one more pass. A
 * pass writes only the associations whose condition differs from what they carry, through the status subresource
 * with the informer's resourceVersion: a conflict means a newer version is on its way, whose event brings another
 * pass. Its own writes come back as events too, and find nothing to change: no update loop. Until such an event
 * arrives the informer still holds the version written from, so what was written from which version is remembered
 * and not written again. A write the API server refuses otherwise (RBAC, an outage) is tried again by another pass
 * after a wait that doubles from {@link #RETRY_FIRST} to {@link #RETRY_MAX}, not only at the next resync.
 */
public final class AssociationStatusWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AssociationStatusWriter.class);
    /** A full pass now and then repairs what a failed write (RBAC, API outage) left behind. */
    private static final long RESYNC_MILLIS = Duration.ofMinutes(10).toMillis();
    /** The wait before a pass tries refused writes again; it doubles while they are refused. */
    static final Duration RETRY_FIRST = Duration.ofSeconds(5);
    static final Duration RETRY_MAX = Duration.ofMinutes(5);

    private final KubernetesClient client;
    private final RoleArnAllowList allowList;
    private final Clock clock;
    private final ScheduledExecutorService passes = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("iamlet-association-status").daemon().factory());
    private final Duration retryFirst;
    /** The wait before the next retry, and whether one is scheduled; pass thread only. */
    private Duration retryDelay;
    private boolean retryScheduled;
    private final AtomicBoolean passPending = new AtomicBoolean();
    /**
     * Per association, the version last written from and what was written; pass thread only. The informer's copy
     * lags behind a write until its event arrives, and a pass in between must not write the same again.
     */
    private final Map<String, Written> written = new HashMap<>();

    private record Written(String fromResourceVersion, ReadyCondition condition) {
    }
    private SharedIndexInformer<PodIdentityAssociation> informer;

    public AssociationStatusWriter(KubernetesClient client, RoleArnAllowList allowList, Clock clock) {
        this(client, allowList, clock, RETRY_FIRST);
    }

    /** As above, with the first wait before refused writes are tried again (tests: shorter). */
    AssociationStatusWriter(KubernetesClient client, RoleArnAllowList allowList, Clock clock, Duration retryFirst) {
        this.client = Objects.requireNonNull(client, "client");
        this.allowList = Objects.requireNonNull(allowList, "allowList");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!retryFirst.isPositive()) {
            throw new IllegalArgumentException("the first retry wait must be positive, was " + retryFirst);
        }
        this.retryFirst = retryFirst;
        this.retryDelay = retryFirst;
    }

    /** Starts watching and writing; idempotent. */
    public synchronized void startWriting() {
        if (informer != null) {
            return;
        }
        LOG.info("writing PodIdentityAssociation status (this replica holds the lease)");
        informer = client.resources(PodIdentityAssociation.class).runnableInformer(RESYNC_MILLIS);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(PodIdentityAssociation object) {
                requestPass();
            }

            @Override
            public void onUpdate(PodIdentityAssociation before, PodIdentityAssociation object) {
                requestPass();
            }

            @Override
            public void onDelete(PodIdentityAssociation object, boolean finalStateUnknown) {
                requestPass();
            }

            /** After each full list: the set is complete, even when it is empty or nothing in it changed. */
            @Override
            public void onList(String resourceVersion, boolean remainedEmpty) {
                requestPass();
            }
        });
        informer.start().whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.error("cannot watch PodIdentityAssociations to write their status", failure);
            }
        });
    }

    /** Stops watching and writing (leadership lost); a pass under way finishes its current write. */
    public synchronized void stopWriting() {
        if (informer == null) {
            return;
        }
        LOG.info("no longer writing PodIdentityAssociation status");
        informer.stop();
        informer = null;
    }

    @Override
    public void close() {
        stopWriting();
        passes.shutdownNow();
    }

    private void requestPass() {
        if (passPending.compareAndSet(false, true)) {
            try {
                passes.execute(() -> {
                    passPending.set(false);
                    pass();
                });
            } catch (RejectedExecutionException closing) {
                // an event that raced close(): nothing more is written
            }
        }
    }

    private void pass() {
        SharedIndexInformer<PodIdentityAssociation> current;
        synchronized (this) {
            current = informer;
        }
        if (current == null || !current.hasSynced()) {
            return; // onList's events schedule another pass once the full set is known
        }
        List<PodIdentityAssociation> objects = current.getStore().list();
        Map<String, AssociationReview.Verdict> verdicts = AssociationReview.review(objects);
        written.keySet().retainAll(verdicts.keySet());
        boolean refused = false;
        for (PodIdentityAssociation object : objects) {
            String name = object.getMetadata().getName();
            AssociationReview.Verdict verdict = verdicts.get(name);
            if (verdict == null || isStopped(current)) {
                continue;
            }
            ReadyCondition ready = ReadyCondition.of(verdict, allowList);
            var pending = new Written(object.getMetadata().getResourceVersion(), ready);
            if (!ready.writtenIn(object) && !pending.equals(written.get(name))) {
                switch (write(object, ready)) {
                    case WRITTEN -> written.put(name, pending);
                    case REFUSED -> refused = true;
                    case SUPERSEDED -> { } // its event brings the next pass
                }
            }
        }
        if (refused) {
            retryLater();
        } else {
            retryDelay = retryFirst;
        }
    }

    /**
     * Another pass after the current wait, which then doubles (up to {@link #RETRY_MAX}); one at a time, however many
     * passes (events) meanwhile find writes refused.
     */
    private void retryLater() {
        if (retryScheduled) {
            return;
        }
        Duration delay = retryDelay;
        Duration doubled = retryDelay.multipliedBy(2);
        retryDelay = doubled.compareTo(RETRY_MAX) > 0 ? RETRY_MAX : doubled;
        LOG.atInfo().setMessage("PodIdentityAssociation status writes refused: trying again").addKeyValue("in_ms",
                delay.toMillis()).log();
        try {
            passes.schedule(() -> {
                retryScheduled = false;
                requestPass();
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
            retryScheduled = true;
        } catch (RejectedExecutionException closing) {
            // closed meanwhile: nothing more is written
        }
    }

    private synchronized boolean isStopped(SharedIndexInformer<PodIdentityAssociation> current) {
        return informer != current;
    }

    private enum Write { WRITTEN, SUPERSEDED, REFUSED }

    private Write write(PodIdentityAssociation object, ReadyCondition ready) {
        var updated = new PodIdentityAssociation();
        updated.setMetadata(object.getMetadata());
        updated.setSpec(object.getSpec());
        updated.setStatus(ready.applyTo(object, clock.instant().truncatedTo(ChronoUnit.SECONDS)));
        String name = object.getMetadata().getName();
        try {
            client.resources(PodIdentityAssociation.class).resource(updated).updateStatus();
            LOG.atInfo().setMessage("PodIdentityAssociation status written").addKeyValue("association", name)
                    .addKeyValue("ready", ready.status()).addKeyValue("reason", ready.reason()).log();
            return Write.WRITTEN;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                // changed or deleted meanwhile: its event brings the next pass
                LOG.debug("status of PodIdentityAssociation {} not written ({}), a newer version follows", name,
                        e.getCode());
                return Write.SUPERSEDED;
            }
            LOG.atWarn().setMessage("cannot write PodIdentityAssociation status (may the webhook update"
                    + " podidentityassociations/status?)").addKeyValue("association", name)
                    .addKeyValue("code", e.getCode()).log();
            return Write.REFUSED;
        }
    }
}
