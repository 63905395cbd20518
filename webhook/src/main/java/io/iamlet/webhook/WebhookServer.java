package io.iamlet.webhook;

import io.iamlet.webhook.tls.ServingContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The webhook's HTTPS server. Pipeline, in order: TLS with the {@link ServingContext} of the moment (a renewed
 * certificate applies to the next connection), a read timeout (a client that stops sending holds nothing for long),
 * the HTTP codec, an aggregator bounded by {@code maxRequestBytes} (a larger body is answered 413 without being
 * read), and {@link WebhookHandler}. Reviews run on virtual threads, because a role lookup may wait on the API
 * server; the event loop only moves bytes.
 */
public final class WebhookServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final ExecutorService reviews;
    private final Channel channel;

    private WebhookServer(EventLoopGroup group, ExecutorService reviews, Channel channel) {
        this.group = group;
        this.reviews = reviews;
        this.channel = channel;
    }

    public static WebhookServer start(InetSocketAddress listen, ServingContext tls, AdmissionReviews admission,
                                      int maxRequestBytes, Duration readTimeout) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("iamlet-webhook-io"),
                NioIoHandler.newFactory());
        ExecutorService reviews = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("iamlet-webhook-review-", 0).factory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("tls", tls.get().newHandler(ch.alloc()))
                                    .addLast("read-timeout", new ReadTimeoutHandler(readTimeout.toMillis(),
                                            TimeUnit.MILLISECONDS))
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregate", new HttpObjectAggregator(maxRequestBytes))
                                    .addLast("webhook", new WebhookHandler(admission, tls, reviews));
                        }
                    })
                    .bind(listen).sync().channel();
            return new WebhookServer(group, reviews, channel);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            reviews.shutdownNow();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        reviews.shutdown();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
