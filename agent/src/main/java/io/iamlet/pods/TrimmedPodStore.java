package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The pod informer's store, keeping of each pod only what {@link PodReader} and {@link PodEvents} read: name,
 * namespace, uid, {@code resourceVersion} (the informer compares it to tell a change from a replay), annotations,
 * creation and deletion timestamps, node, host network, service account, phase and IPs. A {@link PodView}'s
 * containers (the injection check reads them with a GET of its own) and managed fields are not kept.
 *
 * <p>The informer hands the stored form to the handler as the old object of an update, in the first list's add
 * events (fabric8 defers them until the list is stored, then reads them back from here) and in resyncs;
 * {@link PodReader} reads it exactly as the full view. Events from the watch carry the full view.
 */
final class TrimmedPodStore implements ItemStore<PodView> {

    private final Map<String, PodView> pods = new ConcurrentHashMap<>();

    static PodView trimmed(PodView pod) {
        ObjectMeta meta = pod.getMetadata();
        ObjectMeta keptMeta = null;
        if (meta != null) {
            keptMeta = new ObjectMeta();
            keptMeta.setNamespace(meta.getNamespace());
            keptMeta.setName(meta.getName());
            keptMeta.setUid(meta.getUid());
            keptMeta.setResourceVersion(meta.getResourceVersion());
            keptMeta.setAnnotations(meta.getAnnotations());
            keptMeta.setCreationTimestamp(meta.getCreationTimestamp());
            keptMeta.setDeletionTimestamp(meta.getDeletionTimestamp());
        }
        PodView.Spec spec = pod.getSpec();
        PodView.Spec keptSpec = spec == null ? null : new PodView.Spec(spec.nodeName(), spec.hostNetwork(),
                spec.serviceAccountName(), spec.serviceAccount(), null, null);
        // the status is kept whole: a PodView's holds only the phase and the addresses
        return new PodView(keptMeta, keptSpec, pod.getStatus());
    }

    @Override
    public String getKey(PodView pod) {
        return Cache.metaNamespaceKeyFunc(pod);
    }

    @Override
    public PodView put(String key, PodView pod) {
        return pods.put(key, trimmed(pod));
    }

    @Override
    public PodView remove(String key) {
        return pods.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return pods.keySet().stream();
    }

    @Override
    public Stream<PodView> values() {
        return pods.values().stream();
    }

    @Override
    public int size() {
        return pods.size();
    }

    @Override
    public PodView get(String key) {
        return pods.get(key);
    }
}
