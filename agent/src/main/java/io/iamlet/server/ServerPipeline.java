package io.iamlet.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.function.Consumer;

/**
 * Builds the pipeline of every accepted connection of one listener. Order, inbound first:
 * <ol>
 *   <li>(no handler) the connection caps ({@link ConnectionCap}): beyond {@link ServerLimits#maxConnections()}
 *       open connections on this listener, or {@link ServerLimits#maxConnectionsPerSource()} from the new one's
 *       source IP, a new connection is closed before any byte is read;</li>
 *   <li>{@code decoder}: {@link HttpRequestDecoder} with the request line and header limits, and Netty's rules for
 *       header names and values (values checked by {@link HeaderValueRule}); a request that breaks them comes
 *       out as a request with a failed decoder result (mapped to 414/431/400 by the dispatcher) and the
 *       decoder discards the rest of the connection's bytes;</li>
 *   <li>{@code encoder}: {@link HttpResponseEncoder}, outbound only, for the aggregator's {@code 100 Continue};</li>
 *   <li>{@code aggregator}: {@link BoundedAggregator}, at most {@link ServerLimits#maxContentLength()} body bytes,
 *       more becomes a 413 in turn; also answers {@code Expect: 100-continue};</li>
 *   <li>{@code dispatcher}: {@link Dispatcher}, which owns the read deadline (idle and slowloris), keep-alive,
 *       request ordering, the handler timeout and the rendering of failures.</li>
 * </ol>
 * Outbound, the dispatcher writes each answer as bytes ({@link Responses#encode}) from the encoder's place, so they
 * pass no handler.
 */
final class ServerPipeline extends ChannelInitializer<Channel> {

    private final ServerContext server;
    private final ConnectionCap cap;
    private final Consumer<Channel> onOpen;
    /** The decoder's limits, built once per listener (the codec only reads them). */
    private final HttpDecoderConfig decoder;

    /**
     * @param cap    the listener's connection caps (one per bound address)
     * @param onOpen called with each accepted connection (on its event loop), after the caps let it in; the server
     *               tracks connections through it for the graceful stop
     */
    ServerPipeline(ServerContext server, ConnectionCap cap, Consumer<Channel> onOpen) {
        this.server = server;
        this.cap = cap;
        this.onOpen = onOpen;
        ServerLimits limits = server.limits();
        this.decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLineLength())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(8192)
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory()
                        .withValueValidator(HeaderValueRule.INSTANCE));
    }

    @Override
    protected void initChannel(Channel ch) {
        if (cap.admit(ch) != null) {
            ch.close(); // initChannel runs before channelActive, hence before the first read
            return;
        }
        onOpen.accept(ch);
        ch.pipeline()
                .addLast("decoder", new HttpRequestDecoder(decoder))
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("aggregator", new BoundedAggregator(server.limits().maxContentLength()))
                .addLast("dispatcher", new Dispatcher(server));
    }
}
