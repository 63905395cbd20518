package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a pod from the API server into what the index keeps, or nothing when the pod must never be matched:
 * a pod of another node, a host-network pod (its IP is the node's, shared by every host-network process), a pod
 * that has finished (Succeeded/Failed: its IP is released and may already belong to another pod) or a pod without
 * an IP yet.
 */
final class PodReader {

    private static final Logger log = LoggerFactory.getLogger(PodReader.class);

    private final String nodeName;

    PodReader(String nodeName) {
        this.nodeName = nodeName;
    }

    Optional<PodInfo> read(PodView pod) {
        ObjectMeta meta = pod.getMetadata();
        PodView.Spec spec = pod.getSpec();
        PodView.Status status = pod.getStatus();
        if (meta == null || meta.getUid() == null || spec == null || status == null
                || !nodeName.equals(spec.nodeName())
                || Boolean.TRUE.equals(spec.hostNetwork())
                || finished(pod)) {
            return Optional.empty();
        }
        List<String> ips = ips(meta, status);
        if (ips.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PodInfo(
                meta.getNamespace(),
                meta.getName(),
                meta.getUid(),
                serviceAccount(spec),
                ips,
                meta.getAnnotations() == null ? Map.of() : meta.getAnnotations(),
                created(meta),
                meta.getDeletionTimestamp() != null));
    }

    /** Succeeded or Failed: the pod's containers have all stopped for good and its IP is released. */
    static boolean finished(PodView pod) {
        PodView.Status status = pod.getStatus();
        return status != null && ("Succeeded".equals(status.phase()) || "Failed".equals(status.phase()));
    }

    /** Every entry of {@code status.podIPs} plus {@code status.podIP} (older kubelets set only that), normalised. */
    private static List<String> ips(ObjectMeta meta, PodView.Status status) {
        Set<String> ips = new LinkedHashSet<>();
        if (status.podIPs() != null) {
            for (PodView.PodIP podIp : status.podIPs()) {
                addNormalised(ips, podIp == null ? null : podIp.ip(), meta);
            }
        }
        addNormalised(ips, status.podIP(), meta);
        return List.copyOf(ips);
    }

    private static void addNormalised(Set<String> ips, String ip, ObjectMeta meta) {
        if (ip == null || ip.isBlank()) {
            return;
        }
        try {
            ips.add(PodIndex.normalise(ip));
        } catch (IllegalArgumentException e) {
            log.warn("ignoring unparseable pod IP {} of {}/{}", ip, meta.getNamespace(), meta.getName());
        }
    }

    private static String serviceAccount(PodView.Spec spec) {
        if (spec.serviceAccountName() != null && !spec.serviceAccountName().isEmpty()) {
            return spec.serviceAccountName();
        }
        if (spec.serviceAccount() != null && !spec.serviceAccount().isEmpty()) {
            return spec.serviceAccount();
        }
        return "default";
    }

    /** A missing or malformed timestamp sorts as oldest, so it never beats a pod with a real one. */
    private static Instant created(ObjectMeta meta) {
        String created = meta.getCreationTimestamp();
        if (created == null) {
            return Instant.EPOCH;
        }
        try {
            return Instant.parse(created);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
