package io.iamlet.metadata;

import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A pod index held in a map, for tests that need no API server; it records the addresses it was asked for.
 * Lookups of a pod uid it does not hold fail at once (as with {@code --unknown-ip-wait 0}), or, after
 * {@link #parkUnknownPods()}, wait until {@link #add} or {@link #put} brings the pod or {@link #endWaits()} ends the
 * wait as the index's bound would.
 */
public final class FakePods implements PodIndex {

    private final Map<String, PodInfo> byIp = new ConcurrentHashMap<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    private final Map<CompletableFuture<PodAt>, String[]> parked = new ConcurrentHashMap<>(); // -> {ip, uid}
    private final Set<String> contested = ConcurrentHashMap.newKeySet();
    private volatile boolean park;
    final List<PodListener> listeners = new CopyOnWriteArrayList<>();
    /** Every address {@link #await} was asked for, in order. */
    public final List<String> asked = new CopyOnWriteArrayList<>();

    static PodInfo pod(String namespace, String name, String ip, Map<String, String> annotations) {
        return new PodInfo(namespace, name, UUID.randomUUID().toString(), "app-sa", List.of(ip), annotations,
                Instant.parse("2026-01-01T00:00:00Z"), false);
    }

    /** {@code pod} answers for {@code ip}, whatever its own addresses (no listener is told). */
    public void put(String ip, PodInfo pod) {
        byIp.put(ip, pod);
        gone.remove(pod.uid());
        wake();
    }

    /** No pod answers for any address any more (no listener is told), and none is remembered as deleted. */
    public void clear() {
        byIp.clear();
        gone.clear();
    }

    /** The pod with this uid is deleted: it answers for no address, and its uid is remembered as gone. */
    public void delete(String uid) {
        byIp.values().removeIf(p -> p.uid().equals(uid));
        gone.add(uid);
        wake();
    }

    /** Two live pods claim {@code ip}: {@link #await} answers as the index does once its wait is over. */
    public void contest(String ip) {
        contested.add(ip);
    }

    /** From now on a lookup of an unknown pod uid waits for the pod (or {@link #endWaits()}) instead of failing. */
    public void parkUnknownPods() {
        park = true;
    }

    /** Lookups still waiting for a pod uid. */
    public int parked() {
        return parked.size();
    }

    /** Ends every waiting lookup as the index's bound does: 503 {@code pod_unknown}. */
    public void endWaits() {
        parked.keySet().forEach(waiter -> waiter.completeExceptionally(podUnknown()));
        parked.clear();
    }

    public PodInfo add(PodInfo pod) {
        pod.ips().forEach(ip -> byIp.put(ip, pod));
        gone.remove(pod.uid());
        listeners.forEach(l -> l.added(pod));
        wake();
        return pod;
    }

    private void wake() {
        parked.forEach((waiter, key) -> {
            PodAt found = locate(key[0], key[1]);
            if (found != null && parked.remove(waiter) != null) {
                waiter.complete(found);
            }
        });
    }

    private PodAt locate(String ip, String uid) {
        PodInfo here = byIp.get(ip);
        if (here != null && here.uid().equals(uid)) {
            return new PodAt.Here(here);
        }
        return byIp.values().stream().filter(p -> p.uid().equals(uid)).findFirst()
                .<PodAt>map(PodAt.Elsewhere::new)
                .orElse(gone.contains(uid) ? new PodAt.Gone(uid) : null);
    }

    private static Failure podUnknown() {
        return new Failure.NotYetKnown("pod_unknown", "the pod this token was issued to is not known yet");
    }

    @Override
    public Optional<PodInfo> at(String ip) {
        return Optional.ofNullable(byIp.get(ip));
    }

    @Override
    public CompletableFuture<PodInfo> await(String ip) {
        asked.add(ip);
        if (contested.contains(ip)) {
            return CompletableFuture.failedFuture(new Failure.NotYetKnown("ip_ambiguous",
                    "more than one running pod on this node has IP " + ip + ", retry shortly"));
        }
        PodInfo pod = byIp.get(ip);
        return pod != null ? CompletableFuture.completedFuture(pod)
                : CompletableFuture.failedFuture(new Failure.NotYetKnown("pod_unknown", "no pod has this IP"));
    }

    @Override
    public CompletableFuture<PodAt> awaitPod(String ip, String uid) {
        asked.add(ip);
        PodAt found = locate(ip, uid);
        if (found != null) {
            return CompletableFuture.completedFuture(found);
        }
        if (!park) {
            return CompletableFuture.failedFuture(podUnknown());
        }
        CompletableFuture<PodAt> waiter = new CompletableFuture<>();
        parked.put(waiter, new String[] {ip, uid});
        wake(); // the pod may have come between the look and the parking
        return waiter;
    }

    @Override
    public Collection<PodInfo> pods() {
        return byIp.values();
    }

    @Override
    public boolean synced() {
        return true;
    }

    @Override
    public void addListener(PodListener listener) {
        listeners.add(listener);
    }
}
