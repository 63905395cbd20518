package io.iamlet.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real per-connection pipeline ({@link ServerPipeline}) on an EmbeddedChannel with a fake clock and a chosen
 * peer address. Responses are parsed back with Netty's own response decoder; every input buffer is kept so a test
 * can check that the pipeline released it. Connections made through one {@link Listener} share what a listener's
 * connections share (its connection caps, meters and clock).
 */
final class PipelineHarness {

    static final InetSocketAddress DEFAULT_PEER = new InetSocketAddress(InetAddress.ofLiteral("10.0.0.7"), 40000);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);

    final SimpleMeterRegistry registry;
    final MockTicker ticker;
    final EmbeddedChannel channel;
    private final Listener listener;
    private final EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder(),
            new HttpObjectAggregator(1 << 20));
    private final List<ByteBuf> inputs = new ArrayList<>();
    private final TrackingAllocator allocator = new TrackingAllocator();

    /** A parsed response, detached from Netty buffers. */
    record Reply(int status, HttpHeaders headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    PipelineHarness(Routes routes) throws Exception {
        this(routes, ServerLimits.DEFAULTS, null, DEFAULT_PEER);
    }

    PipelineHarness(Routes routes, ServerLimits limits, String serverHeader, InetSocketAddress peer)
            throws Exception {
        this(new Listener(routes, limits, serverHeader), peer);
    }

    private PipelineHarness(Listener listener, InetSocketAddress peer) throws Exception {
        this.listener = listener;
        this.registry = listener.registry;
        this.ticker = listener.ticker;
        channel = new PeerChannel(peer, ticker, new ServerPipeline(listener.context, listener.cap, ch -> { }));
        channel.config().setAllocator(allocator);
    }

    /** One listener on the fake clock; {@link #connect} opens a connection to it. */
    static final class Listener {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final MockTicker ticker = Ticker.newMockTicker();
        final ServerContext context;
        final ConnectionCap cap;
        private boolean draining;

        Listener(Routes routes, ServerLimits limits, String serverHeader) {
            var metrics = new ServerMetrics(registry, "test", new java.util.concurrent.atomic.AtomicInteger());
            context = new ServerContext("test", routes, limits, new Responses(serverHeader, CLOCK), metrics,
                    () -> draining);
            cap = new ConnectionCap(context, ticker::nanoTime);
        }

        PipelineHarness connect(InetSocketAddress peer) throws Exception {
            return new PipelineHarness(this, peer);
        }
    }

    /** Writes raw request bytes as the client would. */
    void send(String raw) {
        ByteBuf buf = Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1);
        inputs.add(buf);
        channel.writeInbound(buf);
        channel.runPendingTasks();
    }

    /** Every response written so far, in order. */
    List<Reply> replies() {
        for (Object out; (out = channel.readOutbound()) != null; ) {
            decoder.writeInbound(out);
        }
        List<Reply> replies = new ArrayList<>();
        for (FullHttpResponse r; (r = decoder.readInbound()) != null; ) {
            try {
                replies.add(new Reply(r.status().code(), r.headers().copy(),
                        r.content().toString(StandardCharsets.UTF_8)));
            } finally {
                r.release();
            }
        }
        return replies;
    }

    /** The bytes written so far, as the client would read them (not parsed: for what a parser would hide). */
    String wire() {
        StringBuilder text = new StringBuilder();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) out;
            try {
                text.append(buf.toString(StandardCharsets.ISO_8859_1));
            } finally {
                buf.release();
            }
        }
        return text.toString();
    }

    /** The single response written so far. */
    Reply reply() {
        List<Reply> all = replies();
        if (all.size() != 1) {
            throw new AssertionError("expected one response, got " + all.size() + ": " + all);
        }
        return all.getFirst();
    }

    void advance(long millis) {
        ticker.advance(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    void drain() {
        listener.draining = true;
        channel.pipeline().fireUserEventTriggered(Dispatcher.DRAIN);
        channel.runPendingTasks();
    }

    /** True when the pipeline let go of every buffer the client sent. */
    boolean inputsReleased() {
        return inputs.stream().allMatch(b -> b.refCnt() == 0);
    }

    /**
     * Closes the channel; true if anything was left over: messages nobody read, or a buffer the pipeline allocated
     * or was given and never released (the caller asserts false).
     */
    boolean finish() {
        boolean leftovers = channel.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        long unreleased = allocator.unreleased();
        if (unreleased > 0 || !inputsReleased()) {
            System.err.println("leaked: " + unreleased + " allocated buffers, inputs released: " + inputsReleased());
            return true;
        }
        return leftovers;
    }

    private static final class PeerChannel extends EmbeddedChannel {
        private final SocketAddress peer;

        PeerChannel(SocketAddress peer, Ticker ticker, io.netty.channel.ChannelHandler handler) throws Exception {
            super(EmbeddedChannel.builder().register(false).ticker(ticker).handlers(handler));
            this.peer = peer;
            register();
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return peer;
        }
    }
}
