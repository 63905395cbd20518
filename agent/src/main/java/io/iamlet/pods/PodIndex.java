package io.iamlet.pods;

import io.iamlet.failure.Failure;
import java.net.InetAddress;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The pods running on this node, by IP and by uid. */
public interface PodIndex {

    /**
     * The live pod that owns {@code ip} now, if any. Never a host-network pod, a deleted or a finished one. When
     * several pods claim the IP this is the one that sorts first (live, then newest), even if another live pod
     * contests it; the credential paths do not guess: they use {@link #await} and {@link #awaitPod}.
     */
    Optional<PodInfo> at(String ip);

    /**
     * The one pod at {@code ip}, for the metadata path, where the address is the only credential. Waits a bounded
     * time ({@code --unknown-ip-wait}) for the informer to catch up with a pod that started a moment ago, or for an
     * address claimed by two live pods to be left to one. Never blocks the caller; when the bound passes it
     * completes exceptionally with {@link Failure.NotYetKnown}: reason {@code pod_unknown}, or
     * {@code ip_ambiguous} while two live pods still claim the address. A terminating pod never contests a live one.
     */
    CompletableFuture<PodInfo> await(String ip);

    /**
     * Where the pod with {@code uid} stands for a request from {@code ip}, for the container endpoint, which binds
     * a token (naming a pod uid) to the address it came from. A uid the index has never seen is not yet known, as an
     * unknown IP is: the lookup waits the same bound for it, then fails with
     * {@link Failure.NotYetKnown} ({@code pod_unknown}). A pod seen at another address, or
     * deleted a short while ago, is answered at once.
     *
     * <p>The default, for simple indexes that cannot wait, answers from {@link #pods()}.
     */
    default CompletableFuture<PodAt> awaitPod(String ip, String uid) {
        return pods().stream().filter(p -> p.uid().equals(uid)).findFirst()
                .<CompletableFuture<PodAt>>map(p -> CompletableFuture.completedFuture(
                        p.ips().contains(ip) ? new PodAt.Here(p) : new PodAt.Elsewhere(p)))
                .orElseGet(() -> CompletableFuture.failedFuture(new Failure.NotYetKnown("pod_unknown",
                        "the pod this token was issued to is not known on this node yet")));
    }

    /** Every live pod indexed now. */
    Collection<PodInfo> pods();

    /** True once the informer has listed the node's pods at least once. */
    boolean synced();

    /** Called on the informer thread when a pod becomes, or stops being, indexable (used for prefetch). */
    void addListener(PodListener listener);

    interface PodListener {
        void added(PodInfo pod);

        void removed(PodInfo pod);
    }

    /** What {@link #awaitPod} found: the pod a token names, seen from the address the request came from. */
    sealed interface PodAt {

        /** The pod owns the address, or is one of several live pods that claim it. */
        record Here(PodInfo pod) implements PodAt {
        }

        /**
         * The pod is indexed, but the address is not its: it has other IPs, or it is terminating and a live pod has
         * taken the address.
         */
        record Elsewhere(PodInfo pod) implements PodAt {
        }

        /** The pod was deleted, or finished, a short while ago (see {@link InformerPodIndex#GONE_MEMORY}). */
        record Gone(String uid) implements PodAt {
        }
    }

    /**
     * Canonical text form of an IP address literal (RFC 5952: IPv6 compressed; IPv4-mapped IPv6 becomes IPv4), so
     * lookups match and logs read as operators write addresses.
     */
    static String normalise(String ip) {
        if (canonicalIpv4(ip)) {
            return ip; // what the parse below would give back; it took ~2 % of a cached request's CPU under C1
        }
        return io.netty.util.NetUtil.toAddressString(InetAddress.ofLiteral(ip));
    }

    /** Four decimal octets, 0-255, without leading zeros: an IPv4 literal that is already its own canonical form. */
    static boolean canonicalIpv4(String ip) {
        int length = ip.length();
        if (length < 7 || length > 15) {
            return false;
        }
        int octets = 0;
        int i = 0;
        while (i < length) {
            int start = i;
            int value = 0;
            while (i < length && ip.charAt(i) >= '0' && ip.charAt(i) <= '9') {
                value = value * 10 + (ip.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && ip.charAt(start) == '0')) {
                return false;
            }
            octets++;
            if (i == length) {
                break;
            }
            if (ip.charAt(i) != '.' || octets == 4) {
                return false;
            }
            i++;
            if (i == length) {
                return false; // a trailing dot
            }
        }
        return octets == 4;
    }
}
