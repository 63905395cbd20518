package io.iamlet.metadata;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The namespace informer's store, holding of each namespace only what the metadata path's policy needs: its name,
 * its {@code resourceVersion} (the informer compares it to tell a change from a replay) and the two policy
 * annotations. The informer watches every namespace of the cluster; a full {@link Namespace} (labels, other
 * annotations, spec, status, managed fields) costs a kilobyte or more, this a few dozen bytes.
 *
 * <p>What the store hands back ({@link #get}, {@link #values}, the old object of an update, the objects of the
 * first list's add events and of resyncs) is a {@link Namespace} rebuilt from that: name, {@code resourceVersion}
 * and the policy annotations, nothing else. Events from the watch still carry the full object.
 */
final class PolicyNamespaceStore implements ItemStore<Namespace> {

    /** A namespace as kept: the name is the map's key. Annotation values are null when absent. */
    private record Kept(String resourceVersion, String allowedRoles, String permitted) {

        static Kept of(Namespace ns) {
            ObjectMeta meta = ns.getMetadata();
            Map<String, String> annotations = meta == null ? null : meta.getAnnotations();
            return new Kept(meta == null ? null : meta.getResourceVersion(),
                    annotations == null ? null : annotations.get(NamespacePolicy.ALLOWED_ROLES),
                    annotations == null ? null : annotations.get(NamespacePolicy.PERMITTED));
        }

        Namespace namespace(String name) {
            Map<String, String> annotations = new HashMap<>(2);
            if (allowedRoles != null) {
                annotations.put(NamespacePolicy.ALLOWED_ROLES, allowedRoles);
            }
            if (permitted != null) {
                annotations.put(NamespacePolicy.PERMITTED, permitted);
            }
            ObjectMeta meta = new ObjectMeta();
            meta.setName(name);
            meta.setResourceVersion(resourceVersion);
            meta.setAnnotations(annotations);
            Namespace ns = new Namespace();
            ns.setMetadata(meta);
            return ns;
        }
    }

    private final Map<String, Kept> kept = new ConcurrentHashMap<>();

    @Override
    public String getKey(Namespace ns) {
        return Cache.metaNamespaceKeyFunc(ns);
    }

    @Override
    public Namespace put(String key, Namespace ns) {
        return rebuilt(key, kept.put(key, Kept.of(ns)));
    }

    @Override
    public Namespace remove(String key) {
        return rebuilt(key, kept.remove(key));
    }

    @Override
    public Stream<String> keySet() {
        return kept.keySet().stream();
    }

    @Override
    public Stream<Namespace> values() {
        return kept.entrySet().stream().map(e -> e.getValue().namespace(e.getKey()));
    }

    @Override
    public int size() {
        return kept.size();
    }

    @Override
    public Namespace get(String key) {
        return rebuilt(key, kept.get(key));
    }

    private static Namespace rebuilt(String key, Kept value) {
        return value == null ? null : value.namespace(key);
    }
}
