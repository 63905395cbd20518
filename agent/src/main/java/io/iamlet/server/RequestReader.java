package io.iamlet.server;

import io.iamlet.pods.PodIndex;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Turns an aggregated Netty request into a detached {@link Request}, or into the reason to refuse it. */
final class RequestReader {

    /** Headers whose repetition makes a request ambiguous: refuse rather than guess which one counts. */
    private static final Set<String> SINGLE = Set.of("host", "authorization", "content-length");

    private static final byte[] EMPTY = new byte[0];
    /** Up to this many headers, duplicates are found by scanning the few already read. */
    private static final int LINEAR_SCAN_LIMIT = 32;

    private RequestReader() {
    }

    /** @param sourceIp the connection's {@link #sourceIp(SocketAddress)} */
    static Inbound read(FullHttpRequest msg, String sourceIp) {
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
        Map<String, String> headers = headers(msg.headers());
        if (headers == null) {
            return repeated(msg.headers());
        }
        byte[] body = msg.content().isReadable() ? ByteBufUtil.getBytes(msg.content()) : EMPTY;
        Request request = new Request(msg.method().name(), path, query, headers, sourceIp, body);
        HttpVersion answer = version.minorVersion() == 0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        return new Inbound.Call(request, answer, HttpUtil.isKeepAlive(msg));
    }

    /**
     * The headers as one immutable map (names lower-cased, first value of each), built without an intermediate
     * map so that {@link Request}'s defensive copy keeps it as it is; null when a {@link #SINGLE} header repeats.
     */
    private static Map<String, String> headers(HttpHeaders netty) {
        int size = netty.size();
        if (size > LINEAR_SCAN_LIMIT) {
            return manyHeaders(netty);
        }
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] entries = new Map.Entry[size];
        int n = 0;
        var it = netty.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            String name = lowerCase(h.getKey());
            int seen = indexOf(entries, n, name);
            if (seen < 0) {
                entries[n++] = Map.entry(name, h.getValue().toString());
            } else if (SINGLE.contains(name)) {
                return null;
            }
        }
        return Map.ofEntries(n == size ? entries : Arrays.copyOf(entries, n));
    }

    /** A request with very many headers (each tiny): a hash map keeps the duplicate check linear. */
    private static Map<String, String> manyHeaders(HttpHeaders netty) {
        Map<String, String> headers = new HashMap<>();
        var it = netty.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            String name = lowerCase(h.getKey());
            if (headers.putIfAbsent(name, h.getValue().toString()) != null && SINGLE.contains(name)) {
                return null;
            }
        }
        return Map.copyOf(headers);
    }

    /** Linear: requests carry a handful of headers, and the header size limit bounds the count. */
    private static int indexOf(Map.Entry<String, String>[] entries, int n, String name) {
        for (int i = 0; i < n; i++) {
            if (entries[i].getKey().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static String lowerCase(CharSequence name) {
        if (name instanceof AsciiString ascii) {
            return ascii.toLowerCase().toString();
        }
        return name.toString().toLowerCase(Locale.ROOT);
    }

    private static Inbound.Reject repeated(HttpHeaders netty) {
        for (String name : SINGLE) {
            if (netty.getAll(name).size() > 1) {
                return new Inbound.Reject(400, "InvalidRequest", "header " + name + " is repeated");
            }
        }
        return new Inbound.Reject(400, "InvalidRequest", "a header is repeated");
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
