package io.iamlet.pods;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which pod owns which IP, and what became of each pod uid: the index's data structure, free of any informer so it
 * can be tested alone.
 *
 * <p>Design. Every indexable pod <em>claims</em> each of its IPs; an IP may be claimed by several pods at once,
 * because Kubernetes reuses an IP as soon as the CNI releases it, while the old pod can still be terminating (or its
 * deletion not yet seen) when the new pod's status arrives. The <em>winner</em> of an IP is the claim that sorts
 * highest by: not terminating over terminating, then newer {@code creationTimestamp}, then the later claim (the
 * order in which this table first saw the pod claim the IP; the API server's timestamps have one-second
 * resolution). An IP claimed by two or more live (not terminating) pods is <em>contested</em>: the winner is still
 * computed, but the metadata path, where the IP is the only credential, refuses to guess until one claim remains.
 * A terminating pod never contests a live one.
 *
 * <p>A pod deleted (or finished) leaves a <em>tombstone</em> for {@link #GONE_MEMORY}, bounded in number, so that
 * a token of a pod that no longer exists is told apart from a token of a pod not seen yet (see
 * {@link #locate}).
 *
 * <p>Invariants, which make the result independent of how informer events are ordered or repeated:
 * <ol>
 *   <li>Claims are keyed by (IP, pod uid). A pod's claims are exactly the IPs of its latest snapshot:
 *       {@link #put} adds the new IPs and drops only that pod's claims on IPs it no longer has;
 *       {@link #remove} drops only that pod's claims. So deleting the old pod after a new pod has claimed its IP
 *       leaves the new pod's claim alone, and an update that moves a pod to another IP frees the old one.</li>
 *   <li>A claim keeps its order while the pod keeps the IP, so re-delivering an unchanged pod (resync, relist) never
 *       changes a winner. {@code put} of an identical snapshot and {@code remove} of an unknown uid change nothing.</li>
 *   <li>After every change the owner of every IP it touched is recomputed before the change is returned, so
 *       whatever the caller then notifies (waiters, listeners) already sees the new state. An IP with no claim has
 *       no owner: a removed pod is never returned, not even for an IP nobody else claims.</li>
 *   <li>Writers are serialised (the informer delivers events on one thread; {@code synchronized} guards the rest).
 *       Readers ({@link #at}, {@link #owner}, {@link #locate}, {@link #pods}) never lock: they read concurrent maps
 *       of immutable values.</li>
 * </ol>
 */
final class IpClaims {

    private static final Logger log = LoggerFactory.getLogger(IpClaims.class);

    /** How long a deleted or finished pod's uid is remembered: past the race of an IP reused by a new pod. */
    static final Duration GONE_MEMORY = Duration.ofMinutes(10);

    /** At most this many tombstones (a uid is 36 characters): far more pods than a node deletes in ten minutes. */
    static final long MAX_TOMBSTONES = 10_000;

    /**
     * What a write changed: the pod that became indexable or stopped being, and the sole owner of each touched IP
     * that has one (an IP left unclaimed or contested is absent).
     */
    record Change(List<PodInfo> added, List<PodInfo> removed, Map<String, PodInfo> owners) {
        static final Change NONE = new Change(List.of(), List.of(), Map.of());
    }

    /** Who holds an IP now: the winning claim, and whether another live pod claims it too. */
    record Owner(PodInfo pod, boolean contested) {
    }

    private record Claim(PodInfo pod, long order) {}

    private static final Comparator<Claim> PRECEDENCE = Comparator
            .comparing((Claim c) -> !c.pod().terminating())
            .thenComparing(c -> c.pod().created())
            .thenComparingLong(Claim::order);

    private final Map<String, Map<String, Claim>> claims = new HashMap<>(); // ip -> uid -> claim; writers only
    private final ConcurrentMap<String, PodInfo> pods = new ConcurrentHashMap<>(); // uid -> latest snapshot
    private final ConcurrentMap<String, Owner> owners = new ConcurrentHashMap<>(); // ip -> winner, contested
    private final Cache<String, Boolean> gone; // uids deleted or finished lately
    private long order;

    IpClaims() {
        this(Ticker.systemTicker());
    }

    /** @param ticker times the tombstones of deleted pods */
    IpClaims(Ticker ticker) {
        this.gone = Caffeine.newBuilder().ticker(ticker).executor(Runnable::run)
                .expireAfterWrite(GONE_MEMORY).maximumSize(MAX_TOMBSTONES).build();
    }

    /** The winning claim of an IP, contested or not. */
    Optional<PodInfo> at(String normalisedIp) {
        Owner owner = owners.get(normalisedIp);
        return owner == null ? Optional.empty() : Optional.of(owner.pod());
    }

    /** Who holds an IP, or null when nobody claims it. */
    Owner owner(String normalisedIp) {
        return owners.get(normalisedIp);
    }

    /**
     * Where the pod with {@code uid} stands for a request from {@code normalisedIp} (null: an address that is no
     * IP), or null when the uid was never seen (or its tombstone has expired).
     *
     * <p>A pod is {@link PodIndex.PodAt.Here here} when it claims the IP and either is live (a live claimant that
     * is not the winner can only have lost to another live pod: the IP is contested, and each live claimant may
     * speak for itself) or is the winner (a terminating pod alone on its IP). A terminating pod that lost its IP to
     * a live one is {@link PodIndex.PodAt.Elsewhere elsewhere}.
     */
    PodIndex.PodAt locate(String normalisedIp, String uid) {
        PodInfo pod = pods.get(uid);
        if (pod == null) {
            return gone.getIfPresent(uid) != null ? new PodIndex.PodAt.Gone(uid) : null;
        }
        if (normalisedIp != null && pod.ips().contains(normalisedIp)) {
            Owner owner = owners.get(normalisedIp);
            if (!pod.terminating() || owner == null || owner.pod().uid().equals(uid)) {
                return new PodIndex.PodAt.Here(pod);
            }
        }
        return new PodIndex.PodAt.Elsewhere(pod);
    }

    Collection<PodInfo> pods() {
        return List.copyOf(pods.values());
    }

    int size() {
        return pods.size();
    }

    /** Records the latest snapshot of an indexable pod (one with at least one IP). */
    synchronized Change put(PodInfo pod) {
        if (pod.ips().isEmpty()) {
            return remove(pod.uid());
        }
        PodInfo previous = pods.put(pod.uid(), pod);
        gone.invalidate(pod.uid());
        Set<String> touched = new LinkedHashSet<>(pod.ips());
        if (previous != null) {
            for (String ip : previous.ips()) {
                if (!pod.ips().contains(ip)) {
                    unclaim(ip, pod.uid());
                    touched.add(ip);
                }
            }
        }
        for (String ip : pod.ips()) {
            Map<String, Claim> byUid = claims.computeIfAbsent(ip, k -> new HashMap<>(2));
            Claim earlier = byUid.get(pod.uid());
            byUid.put(pod.uid(), new Claim(pod, earlier == null ? ++order : earlier.order()));
        }
        return new Change(previous == null ? List.of(pod) : List.of(), List.of(), elect(touched));
    }

    /** Forgets the pod with this uid and remembers it is gone: deleted or finished. */
    synchronized Change delete(String uid) {
        if (pods.containsKey(uid)) {
            gone.put(uid, Boolean.TRUE); // before the pod leaves, so a reader always finds one or the other
        }
        return remove(uid);
    }

    /** Forgets the pod with this uid: no longer indexable (e.g. no IP any more). */
    synchronized Change remove(String uid) {
        PodInfo previous = pods.remove(uid);
        if (previous == null) {
            return Change.NONE;
        }
        for (String ip : previous.ips()) {
            unclaim(ip, uid);
        }
        return new Change(List.of(), List.of(previous), elect(previous.ips()));
    }

    private void unclaim(String ip, String uid) {
        Map<String, Claim> byUid = claims.get(ip);
        if (byUid != null) {
            byUid.remove(uid);
            if (byUid.isEmpty()) {
                claims.remove(ip);
            }
        }
    }

    private Map<String, PodInfo> elect(Collection<String> ips) {
        Map<String, PodInfo> owned = new LinkedHashMap<>();
        for (String ip : ips) {
            Map<String, Claim> byUid = claims.get(ip);
            if (byUid == null) {
                Owner before = owners.remove(ip);
                if (before != null && before.contested()) {
                    log.atInfo().setMessage("IP no longer contested: no pod claims it").addKeyValue("ip", ip).log();
                }
                continue;
            }
            PodInfo winner = byUid.values().stream().max(PRECEDENCE).orElseThrow().pod();
            List<PodInfo> live = byUid.values().stream().map(Claim::pod).filter(p -> !p.terminating()).toList();
            Owner now = new Owner(winner, live.size() > 1);
            Owner before = owners.put(ip, now);
            logChange(ip, before, now, byUid.size(), live);
            if (!now.contested()) {
                owned.put(ip, winner);
            }
        }
        return owned;
    }

    /** One line per change of who holds a shared IP: a new winner, or the IP becoming contested or not. */
    private static void logChange(String ip, Owner before, Owner now, int claimants, List<PodInfo> live) {
        boolean newWinner = before == null || !before.pod().uid().equals(now.pod().uid());
        boolean contestChanged = before == null ? now.contested() : before.contested() != now.contested();
        if (now.contested() && (contestChanged || newWinner)) {
            log.atWarn().setMessage("IP claimed by {} live pods: metadata credentials refused (503 ip_ambiguous) "
                            + "until one claim remains").addArgument(live.size())
                    .addKeyValue("ip", ip).addKeyValue("pods", live.stream().map(PodInfo::ref).toList())
                    .addKeyValue("uids", live.stream().map(PodInfo::uid).toList()).log();
        } else if (!now.contested() && (contestChanged || (newWinner && claimants > 1))) {
            log.atInfo().setMessage(contestChanged ? "IP no longer contested"
                            : "IP claimed by {} pods, the live newest wins").addArgument(claimants)
                    .addKeyValue("ip", ip).addKeyValue("pod", now.pod().ref()).addKeyValue("uid", now.pod().uid())
                    .log();
        }
    }
}
