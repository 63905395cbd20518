package io.iamlet.pods;

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
 * Which pod owns which IP: the index's data structure, free of any informer so it can be tested alone.
 *
 * <p>Design. Every indexable pod <em>claims</em> each of its IPs; an IP may be claimed by several pods at once,
 * because Kubernetes reuses an IP as soon as the CNI releases it, while the old pod can still be terminating (or its
 * deletion not yet seen) when the new pod's status arrives. The <em>winner</em> of an IP is the claim that sorts
 * highest by: not terminating over terminating, then newer {@code creationTimestamp}, then the later claim (the
 * order in which this table first saw the pod claim the IP; the API server's timestamps have one-second
 * resolution).
 *
 * <p>Invariants, which make the result independent of how informer events are ordered or repeated:
 * <ol>
 *   <li>Claims are keyed by (IP, pod uid). A pod's claims are exactly the IPs of its latest snapshot:
 *       {@link #put} adds the new IPs and drops only that pod's claims on IPs it no longer has;
 *       {@link #remove} drops only that pod's claims. So deleting the old pod after a new pod has claimed its IP
 *       leaves the new pod's claim alone, and an update that moves a pod to another IP frees the old one.</li>
 *   <li>A claim keeps its order while the pod keeps the IP, so re-delivering an unchanged pod (resync, relist) never
 *       changes a winner. {@code put} of an identical snapshot and {@code remove} of an unknown uid change nothing.</li>
 *   <li>After every change the winners of every IP it touched are recomputed before the change is returned, so
 *       whatever the caller then notifies (waiters, listeners) already sees the new state. An IP with no claim has
 *       no winner: a removed pod is never returned, not even for an IP nobody else claims.</li>
 *   <li>Writers are serialised (the informer delivers events on one thread; {@code synchronized} guards the rest).
 *       Readers ({@link #at}, {@link #pods}) never lock: they read concurrent maps of immutable {@link PodInfo}.</li>
 * </ol>
 */
final class IpClaims {

    private static final Logger log = LoggerFactory.getLogger(IpClaims.class);

    /** What a write changed: the pod that became indexable or stopped being, and the winner of each touched IP. */
    record Change(List<PodInfo> added, List<PodInfo> removed, Map<String, PodInfo> winners) {
        static final Change NONE = new Change(List.of(), List.of(), Map.of());
    }

    private record Claim(PodInfo pod, long order) {}

    private static final Comparator<Claim> PRECEDENCE = Comparator
            .comparing((Claim c) -> !c.pod().terminating())
            .thenComparing(c -> c.pod().created())
            .thenComparingLong(Claim::order);

    private final Map<String, Map<String, Claim>> claims = new HashMap<>(); // ip -> uid -> claim; writers only
    private final ConcurrentMap<String, PodInfo> pods = new ConcurrentHashMap<>(); // uid -> latest snapshot
    private final ConcurrentMap<String, PodInfo> winners = new ConcurrentHashMap<>(); // ip -> winning pod
    private long order;

    Optional<PodInfo> at(String normalisedIp) {
        return Optional.ofNullable(winners.get(normalisedIp));
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

    /** Forgets the pod with this uid: deleted, finished, or no longer indexable. */
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
        Map<String, PodInfo> elected = new LinkedHashMap<>();
        for (String ip : ips) {
            Map<String, Claim> byUid = claims.get(ip);
            if (byUid == null) {
                winners.remove(ip);
                continue;
            }
            PodInfo winner = byUid.values().stream().max(PRECEDENCE).orElseThrow().pod();
            PodInfo before = winners.put(ip, winner);
            if (byUid.size() > 1 && (before == null || !before.uid().equals(winner.uid()))) {
                log.atInfo().setMessage("IP claimed by {} pods, the live newest wins").addArgument(byUid.size())
                        .addKeyValue("ip", ip).addKeyValue("pod", winner.ref()).addKeyValue("uid", winner.uid())
                        .log();
            }
            elected.put(ip, winner);
        }
        return elected;
    }
}
