package io.iamlet.metadata;

import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A pod index held in a map, for tests that need no API server; it records the addresses it was asked for. */
public final class FakePods implements PodIndex {

    private final Map<String, PodInfo> byIp = new ConcurrentHashMap<>();
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
    }

    /** No pod answers for any address any more (no listener is told). */
    public void clear() {
        byIp.clear();
    }

    PodInfo add(PodInfo pod) {
        pod.ips().forEach(ip -> byIp.put(ip, pod));
        listeners.forEach(l -> l.added(pod));
        return pod;
    }

    @Override
    public Optional<PodInfo> at(String ip) {
        return Optional.ofNullable(byIp.get(ip));
    }

    @Override
    public CompletableFuture<PodInfo> await(String ip) {
        asked.add(ip);
        PodInfo pod = byIp.get(ip);
        return pod != null ? CompletableFuture.completedFuture(pod)
                : CompletableFuture.failedFuture(new Failure.NotYetKnown("pod_unknown", "no pod has this IP"));
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
