package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The pod informer's store, keeping of each pod only what {@link PodReader} and {@link PodEvents} read: name,
 * namespace, uid, {@code resourceVersion} (the informer compares it to tell a change from a replay), annotations,
 * creation and deletion timestamps, node, host network, service account, phase and IPs. A real pod's containers,
 * volumes, conditions and managed fields are most of its size and iamlet never reads them.
 *
 * <p>The informer hands the stored form to the handler as the old object of an update, in the first list's add
 * events and in resyncs; {@link PodReader} reads it exactly as the full pod. Events from the watch still carry the
 * full pod.
 */
final class TrimmedPodStore implements ItemStore<Pod> {

    private final Map<String, Pod> pods = new ConcurrentHashMap<>();

    static Pod trimmed(Pod pod) {
        Pod kept = new Pod();
        ObjectMeta meta = pod.getMetadata();
        if (meta != null) {
            ObjectMeta keptMeta = new ObjectMeta();
            keptMeta.setNamespace(meta.getNamespace());
            keptMeta.setName(meta.getName());
            keptMeta.setUid(meta.getUid());
            keptMeta.setResourceVersion(meta.getResourceVersion());
            keptMeta.setAnnotations(meta.getAnnotations());
            keptMeta.setCreationTimestamp(meta.getCreationTimestamp());
            keptMeta.setDeletionTimestamp(meta.getDeletionTimestamp());
            kept.setMetadata(keptMeta);
        }
        PodSpec spec = pod.getSpec();
        if (spec != null) {
            PodSpec keptSpec = new PodSpec();
            keptSpec.setNodeName(spec.getNodeName());
            keptSpec.setHostNetwork(spec.getHostNetwork());
            keptSpec.setServiceAccountName(spec.getServiceAccountName());
            keptSpec.setServiceAccount(spec.getServiceAccount());
            kept.setSpec(keptSpec);
        }
        PodStatus status = pod.getStatus();
        if (status != null) {
            PodStatus keptStatus = new PodStatus();
            keptStatus.setPhase(status.getPhase());
            keptStatus.setPodIP(status.getPodIP());
            if (status.getPodIPs() != null) {
                List<PodIP> ips = new ArrayList<>(status.getPodIPs().size());
                for (PodIP ip : status.getPodIPs()) {
                    ips.add(ip == null ? null : new PodIP(ip.getIp()));
                }
                keptStatus.setPodIPs(ips);
            }
            kept.setStatus(keptStatus);
        }
        return kept;
    }

    @Override
    public String getKey(Pod pod) {
        return Cache.metaNamespaceKeyFunc(pod);
    }

    @Override
    public Pod put(String key, Pod pod) {
        return pods.put(key, trimmed(pod));
    }

    @Override
    public Pod remove(String key) {
        return pods.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return pods.keySet().stream();
    }

    @Override
    public Stream<Pod> values() {
        return pods.values().stream();
    }

    @Override
    public int size() {
        return pods.size();
    }

    @Override
    public Pod get(String key) {
        return pods.get(key);
    }
}
