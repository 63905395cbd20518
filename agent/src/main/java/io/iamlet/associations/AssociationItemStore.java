package io.iamlet.associations;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The association informer's store: of each object only its name, {@code resourceVersion}, {@code generation}, spec
 * and the {@link Association} judged from it, so that a lookup never parses; status, labels, annotations and managed
 * fields are dropped. What it hands back to the informer is a {@link PodIdentityAssociation} rebuilt from that.
 *
 * <p>Every change bumps {@link #version()}; {@link #index()} rebuilds the matching snapshot at most once per change,
 * on the first lookup after it (a list of N objects costs one rebuild, not N).
 */
final class AssociationItemStore implements ItemStore<PodIdentityAssociation> {

    private record Kept(String resourceVersion, Long generation, PodIdentityAssociationSpec spec,
                        Association association) {

        static Kept of(PodIdentityAssociation object) {
            ObjectMeta meta = object.getMetadata();
            return new Kept(meta == null ? null : meta.getResourceVersion(), meta == null ? null : meta.getGeneration(),
                    object.getSpec(), Association.of(object));
        }

        PodIdentityAssociation object(String name) {
            ObjectMeta meta = new ObjectMeta();
            meta.setName(name);
            meta.setResourceVersion(resourceVersion);
            meta.setGeneration(generation);
            PodIdentityAssociation object = new PodIdentityAssociation();
            object.setMetadata(meta);
            object.setSpec(spec);
            return object;
        }
    }

    private record Snapshot(long version, AssociationIndex index) {
    }

    private final Map<String, Kept> kept = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();
    private volatile Snapshot snapshot = new Snapshot(0, AssociationIndex.EMPTY);

    @Override
    public String getKey(PodIdentityAssociation object) {
        return Cache.metaNamespaceKeyFunc(object);
    }

    @Override
    public PodIdentityAssociation put(String key, PodIdentityAssociation object) {
        Kept previous = kept.put(key, Kept.of(object));
        version.incrementAndGet();
        return rebuilt(key, previous);
    }

    @Override
    public PodIdentityAssociation remove(String key) {
        Kept previous = kept.remove(key);
        version.incrementAndGet();
        return rebuilt(key, previous);
    }

    @Override
    public Stream<String> keySet() {
        return kept.keySet().stream();
    }

    @Override
    public Stream<PodIdentityAssociation> values() {
        return kept.entrySet().stream().map(e -> e.getValue().object(e.getKey()));
    }

    @Override
    public int size() {
        return kept.size();
    }

    @Override
    public PodIdentityAssociation get(String key) {
        return rebuilt(key, kept.get(key));
    }

    /** The judged associations, for metrics and logs. */
    Stream<Association> associations() {
        return kept.values().stream().map(Kept::association);
    }

    long version() {
        return version.get();
    }

    /** The matching snapshot for the current contents. */
    AssociationIndex index() {
        Snapshot current = snapshot;
        long now = version.get();
        if (current.version() == now) {
            return current.index();
        }
        synchronized (this) {
            current = snapshot;
            now = version.get();
            if (current.version() != now) {
                // Read the version before the values: a change racing the copy bumps it again and is rebuilt next.
                current = new Snapshot(now, new AssociationIndex(kept.values().stream().map(Kept::association).toList()));
                snapshot = current;
            }
            return current.index();
        }
    }

    private static PodIdentityAssociation rebuilt(String key, Kept value) {
        return value == null ? null : value.object(key);
    }
}
