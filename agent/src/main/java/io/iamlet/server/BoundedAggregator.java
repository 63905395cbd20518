package io.iamlet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Netty's aggregator, except that an oversized request is handed to the dispatcher as an {@link Inbound.Reject}
 * (answered in order, in our JSON, then closed) instead of Netty writing its own canned 413 out of turn.
 * The aggregator discards the rest of the oversized body; nothing of it is buffered.
 */
final class BoundedAggregator extends HttpObjectAggregator {

    static final Inbound.Reject TOO_LARGE =
            new Inbound.Reject(413, "RequestEntityTooLarge", "the request body is too large");

    BoundedAggregator(int maxContentLength) {
        super(maxContentLength, true);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        if (HttpUtil.is100ContinueExpected(start) && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
            // Let the announced length be judged below, by handleOversizedMessage, like any other oversized body.
            start.headers().remove(HttpHeaderNames.EXPECT);
            return null;
        }
        return super.newContinueResponse(start, maxContentLength, pipeline);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.fireChannelRead(TOO_LARGE);
    }
}
