package io.iamlet.pods;

import java.net.InetAddress;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The pods running on this node, by IP. */
public interface PodIndex {

    /** The live pod that owns {@code ip} now, if any. Never a host-network pod, a deleted or a finished one. */
    Optional<PodInfo> at(String ip);

    /**
     * The pod at {@code ip}, waiting a bounded time for the informer to catch up with a pod that started a moment
     * ago. Never blocks the caller; completes exceptionally with
     * {@link io.iamlet.failure.Failure.NotYetKnown} when the bound passes.
     */
    CompletableFuture<PodInfo> await(String ip);

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

    /**
     * Canonical text form of an IP address literal (RFC 5952: IPv6 compressed; IPv4-mapped IPv6 becomes IPv4), so
     * lookups match and logs read as operators write addresses.
     */
    static String normalise(String ip) {
        return io.netty.util.NetUtil.toAddressString(InetAddress.ofLiteral(ip));
    }
}
