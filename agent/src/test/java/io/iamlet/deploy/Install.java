package io.iamlet.deploy;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.List;

/** The objects one kustomization renders, strictly parsed (see {@link StrictManifests}). Mutable on purpose. */
public record Install(List<Object> objects) {

    public <T> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The only object of this type; fails the test if there are none or several. */
    public <T> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.getFirst();
    }

    public DaemonSet daemonSet() {
        return one(DaemonSet.class);
    }

    /** Everything but the DaemonSet, for comparing installs that should differ only in it. */
    List<Object> withoutDaemonSet() {
        return objects.stream().filter(o -> !(o instanceof DaemonSet)).toList();
    }
}
