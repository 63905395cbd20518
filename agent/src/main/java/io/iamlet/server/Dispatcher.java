package io.iamlet.server;

import io.iamlet.failure.Failure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection, last in the pipeline: routes requests to handlers and writes their answers in order.
 *
 * <p>Invariants (all state is only touched on the channel's event loop):
 * <ul>
 *   <li>At most one exchange is in progress ({@code current}); pipelined requests wait in {@code queue}, at most
 *       {@link ServerLimits#maxPipelinedRequests()} of them, so responses leave in request order.</li>
 *   <li>While no exchange is in progress a read deadline runs: a complete request must arrive within
 *       {@link ServerLimits#readTimeout()} of the connection opening or of the previous response, else the
 *       connection closes. One rule covers idle keep-alive connections and slowloris clients trickling bytes.</li>
 *   <li>An exchange ends exactly once: by its handler's answer, by the handler timeout (503), or by the channel
 *       closing. Whatever arrives later is ignored. Handler futures may complete on any thread; the answer is
 *       always written from the event loop.</li>
 *   <li>A refused request (malformed, too large) is answered in turn and then the connection closes; anything
 *       the client sent after it is dropped.</li>
 * </ul>
 */
final class Dispatcher extends ChannelInboundHandlerAdapter {

    /** User event: the server is stopping. Idle connections close now, busy ones after their answer. */
    static final Object DRAIN = new Object();

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final ServerContext server;
    private final ArrayDeque<Inbound> queue = new ArrayDeque<>();
    private Exchange current;
    /**
     * The read deadline's one timer. It is not cancelled when a request arrives nor scheduled anew after each answer
     * (a timer per request costs a heap insert and removal on the event loop): while it runs, {@link #idleSince}
     * says when the current wait began, and when it fires early it is re-armed for the rest of the wait.
     */
    private ScheduledFuture<?> readDeadline;
    /** When the connection began waiting for a complete request; {@link #NOT_WAITING} while one is being served. */
    private long idleSince = NOT_WAITING;
    private boolean refusing;
    /** The peer's address as handlers see it: the same for every request of the connection, so rendered once. */
    private String sourceIp;
    private ChannelHandlerContext ctx;
    /**
     * The response encoder's place in the pipeline: answers are written from there, past the encoder (which only
     * the aggregator's 100 Continue uses), as the bytes {@link Responses#encode} made. Null outside a server
     * pipeline.
     */
    private ChannelHandlerContext wireCtx;
    /** After a keep-alive answer is written: serve the next request, or close if the write failed. */
    private final ChannelFutureListener nextOrClose = written -> {
        if (written.isSuccess()) {
            next(ctx);
        } else {
            ctx.close();
        }
    };

    private static final long NOT_WAITING = Long.MIN_VALUE;

    Dispatcher(ServerContext server) {
        this.server = server;
    }

    /** One request's passage through the dispatcher. */
    private static final class Exchange {
        final HttpVersion version;
        final boolean keepAlive;
        final long startNanos;
        /** The request being answered; null for a refused one. Its secrets are looked up only if an error is logged. */
        final Request request;
        String endpoint = ServerMetrics.UNMATCHED;
        ScheduledFuture<?> timeout;
        boolean done;

        Exchange(HttpVersion version, boolean keepAlive, long startNanos, Request request) {
            this.version = version;
            this.keepAlive = keepAlive;
            this.startNanos = startNanos;
            this.request = request;
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.wireCtx = ctx.pipeline().context(HttpResponseEncoder.class);
        if (ctx.channel().isActive()) {
            idle(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        idle(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            Inbound inbound = switch (msg) {
                case FullHttpRequest request -> RequestReader.read(request, sourceIp(ctx));
                case Inbound in -> in;
                default -> null;
            };
            if (inbound == null || refusing) {
                return;
            }
            refusing = inbound instanceof Inbound.Reject;
            idleSince = NOT_WAITING;
            if (queue.size() >= server.limits().maxPipelinedRequests()) {
                LOG.atDebug().setMessage("closing connection: too many pipelined requests")
                        .addKeyValue("server", server.name()).log();
                ctx.close();
                return;
            }
            queue.add(inbound);
            if (current == null) {
                next(ctx);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private String sourceIp(ChannelHandlerContext ctx) {
        if (sourceIp == null) {
            sourceIp = RequestReader.sourceIp(ctx.channel().remoteAddress());
        }
        return sourceIp;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DRAIN) {
            if (current == null && queue.isEmpty()) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idleSince = NOT_WAITING;
        cancel(readDeadline);
        readDeadline = null;
        queue.clear();
        if (current != null) {
            current.done = true;
            cancel(current.timeout);
            current = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            LOG.atDebug().setMessage("connection failed").addKeyValue("server", server.name()).setCause(cause).log();
        } else {
            // The message of an unexpected exception is not logged at warn: it might quote request bytes.
            LOG.atWarn().setMessage("closing connection after an unexpected error")
                    .addKeyValue("server", server.name()).addKeyValue("error", cause.getClass().getName()).log();
            LOG.debug("unexpected connection error", cause);
        }
        ctx.close();
    }

    /** No exchange in progress: serve the next queued request, or wait (bounded) for one. */
    private void next(ChannelHandlerContext ctx) {
        current = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        Inbound inbound = queue.poll();
        if (inbound == null) {
            idle(ctx);
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        switch (inbound) {
            case Inbound.Reject reject -> {
                current = new Exchange(HttpVersion.HTTP_1_1, false, now, null);
                respond(ctx, current, Responses.error(reject.status(), reject.code(), reject.message()));
            }
            case Inbound.Call call -> {
                current = new Exchange(call.version(), call.keepAlive(), now, call.request());
                dispatch(ctx, current, call.request());
            }
        }
    }

    private void idle(ChannelHandlerContext ctx) {
        if (server.draining().getAsBoolean()) {
            ctx.close();
            return;
        }
        idleSince = ctx.executor().ticker().nanoTime();
        if (readDeadline == null) {
            armReadDeadline(ctx, server.limits().readTimeout().toNanos());
        }
    }

    private void armReadDeadline(ChannelHandlerContext ctx, long delayNanos) {
        readDeadline = ctx.executor().schedule(() -> readDeadlinePassed(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void readDeadlinePassed(ChannelHandlerContext ctx) {
        readDeadline = null;
        if (idleSince == NOT_WAITING || current != null || !ctx.channel().isActive()) {
            return; // serving a request: idle() arms the timer again after the answer
        }
        long left = server.limits().readTimeout().toNanos() - (ctx.executor().ticker().nanoTime() - idleSince);
        if (left > 0) {
            armReadDeadline(ctx, left); // a request came and was answered since the timer was armed
            return;
        }
        LOG.atDebug().setMessage("closing connection: no complete request in time")
                .addKeyValue("server", server.name()).log();
        ctx.close();
    }

    private void dispatch(ChannelHandlerContext ctx, Exchange exchange, Request request) {
        switch (server.routes().match(request.method(), request.path())) {
            case Routes.Match.NotFound ignored -> respond(ctx, exchange, Responses.notFound());
            case Routes.Match.MethodNotAllowed m -> {
                exchange.endpoint = m.endpoint();
                respond(ctx, exchange, Responses.methodNotAllowed(m.allow()));
            }
            case Routes.Match.Found found -> {
                exchange.endpoint = found.endpoint();
                call(ctx, exchange, found.handler(), request);
            }
        }
    }

    private void call(ChannelHandlerContext ctx, Exchange exchange, Handler handler, Request request) {
        CompletableFuture<Response> answer;
        try {
            answer = handler.handle(request);
            if (answer == null) {
                answer = CompletableFuture.failedFuture(new IllegalStateException("handler returned no future"));
            }
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        if (answer.isDone() && !answer.isCompletedExceptionally()) {
            complete(ctx, exchange, answer.getNow(null), null); // answered at once (a cached credential): no callback
            return;
        }
        if (!answer.isDone()) {
            exchange.timeout = ctx.executor().schedule(() -> complete(ctx, exchange, null,
                            new Failure.Unavailable("handler_timeout", "iamlet did not answer in time; retry")),
                    server.limits().handlerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        answer.whenComplete((response, error) -> onLoop(ctx, () -> complete(ctx, exchange, response, error)));
    }

    private void complete(ChannelHandlerContext ctx, Exchange exchange, Response response, Throwable error) {
        if (exchange != current || exchange.done) {
            return; // answered already (timeout), or the connection is gone
        }
        cancel(exchange.timeout);
        Response out = response;
        if (error != null || response == null) {
            Throwable cause = error != null ? error : new IllegalStateException("handler answered null");
            out = server.responses().failed(cause, exchange.endpoint, exchange.request);
        }
        respond(ctx, exchange, out);
    }

    private void respond(ChannelHandlerContext ctx, Exchange exchange, Response response) {
        exchange.done = true;
        boolean keepAlive = exchange.keepAlive && !server.draining().getAsBoolean();
        boolean head = exchange.request != null && "HEAD".equals(exchange.request.method());
        ByteBuf wire;
        try {
            wire = server.responses().encode(response, exchange.version, keepAlive, head, ctx.alloc());
        } catch (RuntimeException e) {
            LOG.atError().setMessage("handler answered a response that cannot be sent")
                    .addKeyValue("endpoint", exchange.endpoint).setCause(e).log();
            response = Responses.error(500, "InternalError", "internal error");
            wire = server.responses().encode(response, exchange.version, keepAlive, head, ctx.alloc());
        }
        long elapsed = ctx.executor().ticker().nanoTime() - exchange.startNanos;
        server.metrics().request(exchange.endpoint, response.status(), elapsed);
        if (LOG.isDebugEnabled()) {
            LOG.atDebug().setMessage("answered").addKeyValue("endpoint", exchange.endpoint)
                    .addKeyValue("status", response.status()).log();
        }
        // the bytes are the response already: written from the encoder's place in the pipeline, past it
        (wireCtx != null ? wireCtx : ctx).writeAndFlush(wire)
                .addListener(keepAlive ? nextOrClose : ChannelFutureListener.CLOSE);
    }

    private static void onLoop(ChannelHandlerContext ctx, Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
            return;
        }
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("event loop stopped before an answer could be written");
        }
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }
}
