package io.iamlet.server;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 server of iamlet (container endpoint, metadata, probes, metrics): a routing table served on one or
 * more listen addresses.
 *
 * <p>{@link #start()} binds every address it can. An address that cannot be bound (no IPv6 on the node, address not
 * assigned, port taken) is logged and skipped; only when none binds does start fail. {@link #stop(Duration)} stops
 * accepting, lets requests in progress finish (their connections close after the answer, idle ones at once) and
 * closes what is left when the timeout passes.
 */
public final class HttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final long BIND_TIMEOUT_SECONDS = 10;
    /**
     * Connections the kernel may hold completed but not yet accepted. A burst beyond it (many pods starting at once on
     * a busy node) drops SYNs, which clients retransmit after 1 s, then 3 s. The kernel silently caps it at
     * {@code net.core.somaxconn} (4096 on Linux 5.4 and later, 128 before).
     */
    static final int ACCEPT_BACKLOG = 1024;

    private final String name;
    private final List<ListenAddress> listen;
    private final ServerContext context;
    private final EventLoops sharedLoops;
    private final Duration defaultStopTimeout;

    private final AtomicInteger connections = new AtomicInteger();
    private final Set<Channel> children = ConcurrentHashMap.newKeySet();
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<ListenAddress> bound = new ArrayList<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean draining;
    private EventLoops loops;
    private boolean started;
    private CompletableFuture<Void> stopped;

    private HttpServer(Builder b) {
        this.name = b.name;
        this.listen = List.copyOf(b.listen);
        this.sharedLoops = b.eventLoops;
        this.defaultStopTimeout = b.stopTimeout;
        this.context = new ServerContext(b.name, b.routes, b.limits, new Responses(b.serverHeader, b.clock),
                new ServerMetrics(b.registry, b.name, connections), () -> draining);
    }

    /**
     * @param name     short name for logs and meters: {@code container}, {@code metadata}, {@code probe}, ...
     * @param routes   what the server answers
     * @param registry where the request and connection meters go
     */
    public static Builder builder(String name, Routes routes, MeterRegistry registry) {
        return new Builder(name, routes, registry);
    }

    public String name() {
        return name;
    }

    /** Binds the listen addresses. Fails with IllegalStateException, naming every address and why, if none binds. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("server " + name + " was already started");
        }
        started = true;
        loops = sharedLoops != null ? sharedLoops : EventLoops.create(1);
        List<String> failures = new ArrayList<>();
        for (ListenAddress address : listen) {
            ChannelFuture bind = new ServerBootstrap()
                    .group(loops.acceptor(), loops.workers())
                    .channel(loops.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ServerPipeline(context,
                            new ConnectionCap(context, Ticker.systemTicker()), this::track))
                    .bind(address.toSocketAddress());
            if (bind.awaitUninterruptibly(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS) && bind.isSuccess()) {
                serverChannels.add(bind.channel());
                ListenAddress actual = ListenAddress.of((InetSocketAddress) bind.channel().localAddress());
                bound.add(actual);
                LOG.atInfo().setMessage("listening").addKeyValue("server", name)
                        .addKeyValue("address", actual.toString()).addKeyValue("transport", loops.transport()).log();
            } else {
                String reason = bind.cause() != null ? String.valueOf(bind.cause().getMessage()) : "bind timed out";
                LOG.atWarn().setMessage("cannot listen on {}, skipping it: {}").addArgument(address)
                        .addArgument(reason).addKeyValue("server", name).addKeyValue("address", address.toString())
                        .log();
                failures.add(address + " (" + reason + ")");
                bind.channel().close();
            }
        }
        if (bound.isEmpty()) {
            if (sharedLoops == null) {
                loops.shutdown(Duration.ofSeconds(2)).join();
            }
            throw new IllegalStateException(
                    "server " + name + " could not listen on any address: " + String.join(", ", failures));
        }
    }

    /** The addresses actually bound, with the real port where port 0 was asked. Empty before start. */
    public synchronized List<ListenAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    /**
     * Stops accepting connections, lets requests in progress finish for at most {@code timeout}, then closes every
     * connection (and the event loops when the server created its own). Idempotent; never blocks the caller.
     */
    public synchronized CompletableFuture<Void> stop(Duration timeout) {
        if (stopped != null) {
            return stopped;
        }
        draining = true;
        if (!started) {
            stopped = CompletableFuture.completedFuture(null);
            return stopped;
        }
        LOG.atInfo().setMessage("stopping").addKeyValue("server", name)
                .addKeyValue("openConnections", connections.get()).log();
        CompletableFuture<?>[] unbinding = serverChannels.stream()
                .map(ch -> EventLoops.asCompletable(ch.close())).toArray(CompletableFuture[]::new);
        stopped = CompletableFuture.allOf(unbinding)
                .thenCompose(v -> drain(timeout))
                .thenCompose(v -> closeRemaining())
                .thenCompose(v -> sharedLoops == null ? loops.shutdown(Duration.ofSeconds(2))
                        : CompletableFuture.<Void>completedFuture(null))
                .whenComplete((v, e) -> LOG.atInfo().setMessage("stopped").addKeyValue("server", name).log());
        return stopped;
    }

    /** {@code stop(stopTimeout).join()} with the builder's stop timeout. */
    @Override
    public void close() {
        stop(defaultStopTimeout).join();
    }

    private CompletableFuture<Void> drain(Duration timeout) {
        children.forEach(ch -> ch.pipeline().fireUserEventTriggered(Dispatcher.DRAIN));
        if (connections.get() == 0) {
            drained.complete(null);
        }
        return drained.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<Void> closeRemaining() {
        if (!children.isEmpty()) {
            LOG.atWarn().setMessage("closing connections still busy after the stop timeout")
                    .addKeyValue("server", name).addKeyValue("openConnections", children.size()).log();
        }
        return CompletableFuture.allOf(children.stream()
                .map(ch -> EventLoops.asCompletable(ch.close())).toArray(CompletableFuture[]::new));
    }

    private void track(Channel ch) {
        connections.incrementAndGet();
        children.add(ch);
        ch.closeFuture().addListener(f -> {
            children.remove(ch);
            if (connections.decrementAndGet() == 0 && draining) {
                drained.complete(null);
            }
        });
    }

    public static final class Builder {
        private final String name;
        private final Routes routes;
        private final MeterRegistry registry;
        private final List<ListenAddress> listen = new ArrayList<>();
        private ServerLimits limits = ServerLimits.DEFAULTS;
        private String serverHeader;
        private EventLoops eventLoops;
        private Clock clock = Clock.systemUTC();
        private Duration stopTimeout = Duration.ofSeconds(20);

        private Builder(String name, Routes routes, MeterRegistry registry) {
            this.name = Objects.requireNonNull(name, "name");
            this.routes = Objects.requireNonNull(routes, "routes");
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        public Builder listen(List<ListenAddress> addresses) {
            listen.addAll(addresses);
            return this;
        }

        public Builder listen(ListenAddress... addresses) {
            return listen(List.of(addresses));
        }

        public Builder limits(ServerLimits value) {
            limits = Objects.requireNonNull(value, "limits");
            return this;
        }

        /** A {@code Server} header on every response, e.g. {@code EC2ws} for the metadata listener; none by default. */
        public Builder serverHeader(String value) {
            serverHeader = value;
            return this;
        }

        /** Threads shared with other servers; without it the server runs (and stops) its own. */
        public Builder eventLoops(EventLoops value) {
            eventLoops = value;
            return this;
        }

        /** Clock for the {@code Date} header. */
        public Builder clock(Clock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** The timeout {@link HttpServer#close()} gives to in-flight requests ({@code --shutdown-timeout}). */
        public Builder stopTimeout(Duration value) {
            stopTimeout = Objects.requireNonNull(value, "stopTimeout");
            return this;
        }

        public HttpServer build() {
            if (listen.isEmpty()) {
                throw new IllegalArgumentException("server " + name + " has no listen address");
            }
            return new HttpServer(this);
        }
    }
}
