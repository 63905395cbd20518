package io.iamlet.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.Channel;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may open a connection on one listener (one bound address): at most {@link ServerLimits#maxConnections()} in
 * all, and at most {@link ServerLimits#maxConnectionsPerSource()} from one source IP, so that one pod cannot take
 * the room every other pod needs. A connection refused by either is closed before any byte of it is read.
 *
 * <p>Invariants. {@link #admit} runs on the event loops of the listener's connections (several threads at once): the
 * total is an atomic counter and the per-source counts live in a concurrent map whose entry goes away when its count
 * returns to zero, so the map holds only sources that have a connection open (at most {@code maxConnections}
 * entries) and never grows with the number of sources ever seen. A count may overshoot its limit for an instant
 * between the increment and the refusal's decrement; that only ever refuses, never admits, one too many. Sources are
 * counted by IP alone (the port varies), an IPv4-mapped IPv6 address as the IPv4 address it carries. Where the
 * per-source limit is not below the total (probes, metrics) there is no map at all.
 *
 * <p>Refusals are counted by reason; they are logged at most once per {@link #LOG_INTERVAL} for each source (and
 * once per interval for the listener's own cap), so a flood of refused connections cannot flood the log.
 */
final class ConnectionCap {

    static final Duration LOG_INTERVAL = Duration.ofMinutes(1);
    /** Sources remembered as recently logged; more in one interval means some are logged twice, nothing worse. */
    private static final int LOGGED_SOURCES = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCap.class);

    /** Why a connection was refused; {@link #tag} is the {@code reason} of the rejected-connections counter. */
    enum Refusal {
        LISTENER("listener"),
        PER_SOURCE("per_source");

        final String tag;

        Refusal(String tag) {
            this.tag = tag;
        }
    }

    private final ServerContext server;
    private final int maxConnections;
    private final int maxPerSource;
    private final AtomicInteger open = new AtomicInteger();
    /** Open connections by source; null when the per-source limit cannot bind (not below the total). */
    private final ConcurrentHashMap<InetAddress, Integer> bySource;
    private final Cache<InetAddress, Boolean> recentlyLogged;
    private final Ticker ticker;
    private final AtomicLong listenerLoggedAt;

    /** @param ticker time for the log's rate limit */
    ConnectionCap(ServerContext server, Ticker ticker) {
        this.server = server;
        this.ticker = ticker;
        this.maxConnections = server.limits().maxConnections();
        this.maxPerSource = server.limits().maxConnectionsPerSource();
        this.bySource = maxPerSource < maxConnections ? new ConcurrentHashMap<>() : null;
        this.recentlyLogged = Caffeine.newBuilder()
                .expireAfterWrite(LOG_INTERVAL)
                .maximumSize(LOGGED_SOURCES)
                .ticker(ticker)
                .executor(Runnable::run) // upkeep is tiny and only on the refusal path: no pool thread for it
                .build();
        this.listenerLoggedAt = new AtomicLong(ticker.read() - LOG_INTERVAL.toNanos());
    }

    /**
     * Admits {@code ch} (it is released when it closes) or returns why not; the caller closes a refused one. Counts
     * and logs the refusal.
     */
    Refusal admit(Channel ch) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refused(Refusal.LISTENER, null, ch);
            return Refusal.LISTENER;
        }
        InetAddress source = bySource == null ? null : source(ch);
        if (source != null && bySource.merge(source, 1, Integer::sum) > maxPerSource) {
            release(source);
            open.decrementAndGet();
            refused(Refusal.PER_SOURCE, source, ch);
            return Refusal.PER_SOURCE;
        }
        ch.closeFuture().addListener(f -> {
            if (source != null) {
                release(source);
            }
            open.decrementAndGet();
        });
        return null;
    }

    /** Open connections of {@code source} (0 when none, or when sources are not counted): for tests. */
    int openFrom(InetAddress source) {
        return bySource == null ? 0 : bySource.getOrDefault(normalise(source), 0);
    }

    /** Sources with a connection open: for tests (nothing may stay behind once they all closed). */
    int sourcesTracked() {
        return bySource == null ? 0 : bySource.size();
    }

    private void release(InetAddress source) {
        bySource.computeIfPresent(source, (k, n) -> n == 1 ? null : n - 1);
    }

    private void refused(Refusal reason, InetAddress source, Channel ch) {
        server.metrics().connectionRejected(reason);
        String listener = ch.localAddress() instanceof InetSocketAddress local ? ListenAddress.of(local).toString()
                : String.valueOf(ch.localAddress());
        if (reason == Refusal.PER_SOURCE) {
            if (recentlyLogged.asMap().putIfAbsent(source, Boolean.TRUE) == null) {
                LOG.atWarn().setMessage("refusing connections from {}: it has {} open on {}, the most one source may "
                                + "have; refusals are counted, this line is repeated at most every {} s")
                        .addArgument(source.getHostAddress()).addArgument(maxPerSource).addArgument(listener)
                        .addArgument(LOG_INTERVAL.toSeconds())
                        .addKeyValue("server", server.name()).addKeyValue("listener", listener)
                        .addKeyValue("source", source.getHostAddress()).addKeyValue("reason", reason.tag)
                        .addKeyValue("limit", maxPerSource).log();
            }
            return;
        }
        long now = ticker.read();
        long last = listenerLoggedAt.get();
        if (now - last >= LOG_INTERVAL.toNanos() && listenerLoggedAt.compareAndSet(last, now)) {
            LOG.atWarn().setMessage("refusing connections on {}: {} are open, the most one listener may have; "
                            + "refusals are counted, this line is repeated at most every {} s")
                    .addArgument(listener).addArgument(maxConnections).addArgument(LOG_INTERVAL.toSeconds())
                    .addKeyValue("server", server.name()).addKeyValue("listener", listener)
                    .addKeyValue("reason", reason.tag).addKeyValue("limit", maxConnections).log();
        }
    }

    /** The connection's source IP, IPv4-mapped IPv6 as IPv4; null when it has none (not an IP transport). */
    private static InetAddress source(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress peer && peer.getAddress() != null
                ? normalise(peer.getAddress()) : null;
    }

    static InetAddress normalise(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            if (Arrays.equals(b, 0, 10, new byte[10], 0, 10) && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
                } catch (UnknownHostException e) {
                    throw new AssertionError("four bytes are an IPv4 address", e);
                }
            }
        }
        return address;
    }
}
