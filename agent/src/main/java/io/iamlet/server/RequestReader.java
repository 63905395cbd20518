package io.iamlet.server;

import io.iamlet.pods.PodIndex;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Turns an aggregated Netty request into a detached {@link Request}, or into the reason to refuse it. */
final class RequestReader {

    /** Headers whose repetition makes a request ambiguous: refuse rather than guess which one counts. */
    private static final Set<String> SINGLE = Set.of("host", "authorization", "content-length");

    private RequestReader() {
    }

    static Inbound read(FullHttpRequest msg, SocketAddress peer) {
        DecoderResult result = msg.decoderResult();
        if (result.isFailure()) {
            return rejectionFor(result.cause());
        }
        HttpVersion version = msg.protocolVersion();
        if (version.majorVersion() != 1) {
            return new Inbound.Reject(505, "HTTPVersionNotSupported", "only HTTP/1.x is supported");
        }
        String uri = msg.uri();
        if (!uri.startsWith("/")) {
            return new Inbound.Reject(400, "InvalidRequest", "the request target must be a path");
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<String, String> h : msg.headers()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (headers.putIfAbsent(name, h.getValue()) != null && SINGLE.contains(name)) {
                return new Inbound.Reject(400, "InvalidRequest", "header " + name + " is repeated");
            }
        }
        byte[] body = ByteBufUtil.getBytes(msg.content());
        Request request = new Request(msg.method().name(), path, query, headers, sourceIp(peer), body);
        HttpVersion answer = version.minorVersion() == 0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        return new Inbound.Call(request, answer, HttpUtil.isKeepAlive(msg));
    }

    static Inbound.Reject rejectionFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new Inbound.Reject(414, "URITooLong", "the request line is too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Inbound.Reject(431, "RequestHeaderFieldsTooLarge", "the request headers are too large");
        }
        if (cause instanceof TooLongFrameException) {
            return new Inbound.Reject(413, "RequestEntityTooLarge", "the request body is too large");
        }
        return new Inbound.Reject(400, "InvalidRequest", "malformed HTTP request");
    }

    /** The peer's IP as the pod index writes it; IPv4-mapped IPv6 becomes IPv4, zone ids are dropped. */
    static String sourceIp(SocketAddress peer) {
        if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            int zone = host.indexOf('%');
            return PodIndex.normalise(zone < 0 ? host : host.substring(0, zone));
        }
        return "";
    }
}
