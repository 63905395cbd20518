package io.iamlet.webhook;

import io.iamlet.webhook.tls.ServingContext;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes: {@code POST /mutate} (AdmissionReview in, AdmissionReview out), {@code GET /healthz} (200 once a
 * certificate is installed; the probes of the Deployment). Everything else is 404 or 405. The review runs on
 * {@code reviews}; the response is written from there (Netty hands the write to the event loop).
 */
final class WebhookHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookHandler.class);
    static final String MUTATE_PATH = "/mutate";
    static final String HEALTH_PATH = "/healthz";

    private final AdmissionReviews admission;
    private final ServingContext tls;
    private final Executor reviews;

    WebhookHandler(AdmissionReviews admission, ServingContext tls, Executor reviews) {
        this.admission = admission;
        this.tls = tls;
        this.reviews = reviews;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, AdmissionReviews.Reply.error(400, "malformed HTTP request"), false);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        switch (path) {
            case MUTATE_PATH -> {
                if (!request.method().equals(HttpMethod.POST)) {
                    write(ctx, AdmissionReviews.Reply.error(405, "POST an AdmissionReview"), keepAlive);
                    return;
                }
                byte[] body = ByteBufUtil.getBytes(request.content());
                try {
                    reviews.execute(() -> write(ctx, review(body), keepAlive));
                } catch (RejectedExecutionException e) {
                    write(ctx, AdmissionReviews.Reply.error(503, "shutting down"), false);
                }
            }
            case HEALTH_PATH -> write(ctx, tls.ready()
                    ? new AdmissionReviews.Reply(200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8))
                    : AdmissionReviews.Reply.error(503, "no serving certificate yet"), keepAlive);
            default -> write(ctx, AdmissionReviews.Reply.error(404, "not found"), keepAlive);
        }
    }

    private AdmissionReviews.Reply review(byte[] body) {
        try {
            return admission.review(body);
        } catch (RuntimeException e) {
            // a bug, not bad input: answer, so the failure policy applies, and keep serving
            LOG.error("admission review failed", e);
            return AdmissionReviews.Reply.error(500, "internal error; the failure policy applies");
        }
    }

    private static void write(ChannelHandlerContext ctx, AdmissionReviews.Reply reply, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        HttpUtil.setContentLength(response, reply.body().length);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof ReadTimeoutException)) {
            // TLS handshakes of scanners and closed connections land here: not worth more than a debug line
            LOG.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
