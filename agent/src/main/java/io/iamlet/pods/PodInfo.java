package io.iamlet.pods;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What iamlet knows of a pod on this node: an immutable snapshot taken from the informer.
 *
 * @param ips          every entry of {@code status.podIPs}, normalised with {@link PodIndex#normalise(String)}
 * @param annotations  the pod's annotations (role annotation for the metadata path)
 * @param created      {@code metadata.creationTimestamp}; the newer pod wins an IP conflict
 * @param terminating  {@code metadata.deletionTimestamp} is set
 */
public record PodInfo(
        String namespace,
        String name,
        String uid,
        String serviceAccount,
        List<String> ips,
        Map<String, String> annotations,
        Instant created,
        boolean terminating) {

    public PodInfo {
        ips = List.copyOf(ips);
        annotations = Map.copyOf(annotations);
    }

    /** {@code namespace/name}, for logs. */
    public String ref() {
        return namespace + "/" + name;
    }
}
