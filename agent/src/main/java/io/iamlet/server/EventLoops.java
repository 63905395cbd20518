package io.iamlet.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads of iamlet's HTTP servers: one acceptor thread and a few I/O threads, native epoll where available
 * (Linux), else NIO. One instance can be shared by every server of the process; whoever creates it closes it.
 */
public final class EventLoops implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoops.class);

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> serverChannel;
    private final String transport;

    private EventLoops(IoHandlerFactory factory, Class<? extends ServerChannel> serverChannel, String transport,
                       int ioThreads) {
        this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("iamlet-accept"), factory);
        this.workers = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("iamlet-io"), factory);
        this.serverChannel = serverChannel;
        this.transport = transport;
    }

    /** Epoll when the native library loads, NIO otherwise; {@code ioThreads} serve all connections (1-2 is plenty). */
    public static EventLoops create(int ioThreads) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
        }
        if (Epoll.isAvailable()) {
            return new EventLoops(EpollIoHandler.newFactory(), EpollServerSocketChannel.class, "epoll", ioThreads);
        }
        LOG.info("native epoll unavailable, using NIO: {}", String.valueOf(Epoll.unavailabilityCause()));
        return new EventLoops(NioIoHandler.newFactory(), NioServerSocketChannel.class, "nio", ioThreads);
    }

    /** {@code epoll} or {@code nio}. */
    public String transport() {
        return transport;
    }

    EventLoopGroup acceptor() {
        return acceptor;
    }

    EventLoopGroup workers() {
        return workers;
    }

    Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    /** Stops the threads, letting queued tasks run for at most {@code timeout}. */
    public CompletableFuture<Void> shutdown(Duration timeout) {
        long millis = timeout.toMillis();
        return CompletableFuture.allOf(
                asCompletable(acceptor.shutdownGracefully(0, millis, TimeUnit.MILLISECONDS)),
                asCompletable(workers.shutdownGracefully(0, millis, TimeUnit.MILLISECONDS)));
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(2)).join();
    }

    static CompletableFuture<Void> asCompletable(Future<?> future) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        future.addListener(f -> done.complete(null));
        return done;
    }
}
