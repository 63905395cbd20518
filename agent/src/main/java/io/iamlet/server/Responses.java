package io.iamlet.server;

import io.iamlet.failure.Failure;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where handler answers and failures become HTTP responses. A {@link Failure} keeps its status and
 * its (caller-safe) message; any other exception becomes a generic 500 and is logged with its stack trace, so that
 * nothing an exception happens to carry (a token, a key) reaches the caller.
 */
final class Responses {

    private static final Logger LOG = LoggerFactory.getLogger(Responses.class);

    /** Framing headers are the server's business; a handler's value for them is ignored. */
    private static final List<String> RESERVED = List.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "date", "server");
    private static final byte[] EMPTY = new byte[0];
    private static final short CRLF = ('\r' << 8) | '\n';
    private static final short COLON_SPACE = (':' << 8) | ' ';
    private static final byte[] CONTENT_LENGTH = ascii(HttpHeaderNames.CONTENT_LENGTH + ": ");
    private static final byte[] CONNECTION_CLOSE =
            ascii(HttpHeaderNames.CONNECTION + ": " + HttpHeaderValues.CLOSE + "\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE =
            ascii(HttpHeaderNames.CONNECTION + ": " + HttpHeaderValues.KEEP_ALIVE + "\r\n");

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** "server: <value>\r\n", or nothing when no Server header is configured. */
    private final byte[] serverLine;
    private final Clock clock;
    /** The Date header changes once a second: rendered once per second, not per response. */
    private volatile DateHeader date = new DateHeader(Long.MIN_VALUE, EMPTY);
    /** Status lines by status code, rendered on first use (published through the array's volatile semantics). */
    private final AtomicReferenceArray<byte[]> statusLines10 = new AtomicReferenceArray<>(600);
    private final AtomicReferenceArray<byte[]> statusLines11 = new AtomicReferenceArray<>(600);

    private record DateHeader(long second, byte[] line) {
    }

    Responses(String serverHeader, Clock clock) {
        this.serverLine = serverHeader == null ? EMPTY : ascii(HttpHeaderNames.SERVER + ": "
                + checkedValue("Server", serverHeader) + "\r\n");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    static Response error(int status, String code, String message) {
        return Response.json(status, ErrorJson.body(code, message));
    }

    static Response notFound() {
        return error(404, "NotFound", "no such path");
    }

    static Response methodNotAllowed(String allow) {
        return error(405, "MethodNotAllowed", "method not allowed").withHeader("Allow", allow);
    }

    /**
     * The response for a handler's failure, logged once here.
     *
     * @param request the request that failed (null if it never reached a handler); only an unexpected error, logged
     *                with its stack trace, looks up its secrets to cut them out (see {@link Redaction})
     */
    Response failed(Throwable error, String endpoint, Request request) {
        String sourceIp = request != null ? request.sourceIp() : "";
        Optional<Failure> failure = Failure.find(error);
        if (failure.isPresent()) {
            Failure f = failure.get();
            String message = f.getMessage() != null ? f.getMessage() : f.reason();
            (f.status() >= 500 ? LOG.atWarn().setMessage("request failed: {}")
                    : LOG.atInfo().setMessage("request refused: {}"))
                    .addArgument(message)
                    .addKeyValue("endpoint", endpoint).addKeyValue("status", f.status())
                    .addKeyValue("reason", f.reason()).addKeyValue("sourceIp", sourceIp).log();
            return error(f.status(), f.code(), message);
        }
        List<String> secrets = request != null ? Redaction.secretsOf(request) : List.of();
        LOG.atError().setMessage("request failed unexpectedly")
                .addKeyValue("endpoint", endpoint).addKeyValue("status", 500).addKeyValue("sourceIp", sourceIp)
                .setCause(Redaction.redact(error, secrets)).log();
        return error(500, "InternalError", "internal error");
    }

    /**
     * The bytes of {@code response} on the wire, in one buffer from {@code alloc}: the status line, the handler's
     * headers, Content-Type, Content-Length, Date, the configured Server header and the connection header
     * ({@code close} when the connection ends after it; {@code keep-alive} for HTTP/1.0 clients that asked for it),
     * a blank line, and the body unless the request was a HEAD. Throws IllegalArgumentException, before anything
     * is allocated, for a status or a handler's header that HTTP does not allow.
     *
     * <p>Written here rather than by Netty's response encoder: the encoder built a header object and a buffer for
     * the head, wrote the body as a second buffer through a promise combiner and copied it out of the heap, ~15 % of
     * a cached request's CPU under C1. The header names are Netty's ({@link HttpHeaderNames}, lower case), and a
     * handler's names and values are checked by Netty's own rules ({@link HttpHeaderValidationUtil}).
     */
    ByteBuf encode(Response response, HttpVersion version, boolean keepAlive, boolean head, ByteBufAllocator alloc) {
        int status = response.status();
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        byte[] body = response.body() != null ? response.body() : EMPTY;
        CharSequence type = response.contentType() != null ? contentType(response.contentType()) : null;
        Map<String, String> own = response.headers();
        int headerBytes = 0;
        if (!own.isEmpty()) {
            for (Map.Entry<String, String> h : own.entrySet()) {
                if (written(h.getKey(), type)) {
                    headerBytes += checkedName(h.getKey()).length() + checkedValue(h.getKey(), h.getValue()).length()
                            + 4;
                }
            }
        }
        byte[] statusLine = statusLine(version, status);
        byte[] dateLine = dateLine();
        ByteBuf out = alloc.ioBuffer(statusLine.length + headerBytes + 160 + serverLine.length
                + (head ? 0 : body.length));
        out.writeBytes(statusLine);
        if (headerBytes > 0) {
            for (Map.Entry<String, String> h : own.entrySet()) {
                if (written(h.getKey(), type)) {
                    header(out, h.getKey(), h.getValue());
                }
            }
        }
        if (type != null) {
            header(out, HttpHeaderNames.CONTENT_TYPE, type);
        }
        out.writeBytes(CONTENT_LENGTH);
        decimal(out, body.length);
        out.writeShort(CRLF);
        out.writeBytes(dateLine);
        out.writeBytes(serverLine);
        if (!keepAlive) {
            out.writeBytes(CONNECTION_CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            out.writeBytes(CONNECTION_KEEP_ALIVE);
        }
        out.writeShort(CRLF);
        if (!head) {
            out.writeBytes(body);
        }
        return out;
    }

    /** A handler's header goes out unless it is the server's business or the response's own Content-Type wins. */
    private static boolean written(String name, CharSequence type) {
        return !reserved(name) && (type == null || !"content-type".equalsIgnoreCase(name));
    }

    private static void header(ByteBuf out, CharSequence name, CharSequence value) {
        ByteBufUtil.writeAscii(out, name);
        out.writeShort(COLON_SPACE);
        ByteBufUtil.writeAscii(out, value);
        out.writeShort(CRLF);
    }

    private static void decimal(ByteBuf out, int value) {
        if (value >= 10) {
            decimal(out, value / 10);
        }
        out.writeByte('0' + value % 10);
    }

    /** "HTTP/1.1 200 OK\r\n", rendered once per version and status. */
    private byte[] statusLine(HttpVersion version, int status) {
        AtomicReferenceArray<byte[]> lines = version.equals(HttpVersion.HTTP_1_0) ? statusLines10 : statusLines11;
        byte[] line = lines.get(status);
        if (line == null) {
            HttpResponseStatus s = HttpResponseStatus.valueOf(status);
            line = ascii(version.text() + " " + s.codeAsText() + " " + s.reasonPhrase() + "\r\n");
            lines.set(status, line); // two threads may both render it: the same bytes
        }
        return line;
    }

    private static boolean reserved(String name) {
        for (String r : RESERVED) {
            if (r.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Netty's own rule for a header name (a token), as its validating headers would apply it. */
    private static String checkedName(String name) {
        if (name.isEmpty() || HttpHeaderValidationUtil.validateToken(name) != -1) {
            throw new IllegalArgumentException("a header name contains a prohibited character");
        }
        return name;
    }

    /** Netty's own rule for a header value (no control characters but tab), as its validating headers would. */
    private static String checkedValue(String name, String value) {
        if (value == null || HeaderValueRule.firstProhibited(value) != -1) {
            throw new IllegalArgumentException("the value of header " + name + " contains a prohibited character");
        }
        return value;
    }

    /** The content types handlers use, as constants; any other is checked like a handler's header. */
    private static CharSequence contentType(String type) {
        return switch (type) {
            case "application/json" -> HttpHeaderValues.APPLICATION_JSON;
            case "text/plain" -> HttpHeaderValues.TEXT_PLAIN;
            default -> checkedValue("Content-Type", type);
        };
    }

    /** "date: <HTTP date>\r\n" of the current second. */
    private byte[] dateLine() {
        long millis = clock.millis();
        long second = Math.floorDiv(millis, 1000L);
        DateHeader current = date;
        if (current.second() != second) {
            current = new DateHeader(second, ascii(HttpHeaderNames.DATE + ": "
                    + DateFormatter.format(new Date(second * 1000L)) + "\r\n"));
            date = current;
        }
        return current.line();
    }
}
