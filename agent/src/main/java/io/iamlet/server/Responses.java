package io.iamlet.server;

import io.iamlet.failure.Failure;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
    /** Headers without Netty's validation on every set: see {@link #toNetty}. */
    private static final HttpHeadersFactory UNCHECKED = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);
    /** Content-Length values of the usual body sizes, rendered once. */
    private static final AsciiString[] LENGTHS = new AsciiString[4096];

    static {
        for (int i = 0; i < LENGTHS.length; i++) {
            LENGTHS[i] = AsciiString.cached(Integer.toString(i));
        }
    }

    private final String serverHeader;
    private final Clock clock;
    /** The Date header changes once a second: rendered once per second, not per response. */
    private volatile DateHeader date = new DateHeader(Long.MIN_VALUE, AsciiString.EMPTY_STRING);

    private record DateHeader(long second, AsciiString text) {
    }

    Responses(String serverHeader, Clock clock) {
        this.serverHeader = serverHeader;
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
     * The wire form of {@code response}. Adds Content-Type, Content-Length, Date, the configured Server header and
     * the connection header ({@code close} when the connection ends after it; {@code keep-alive} for HTTP/1.0
     * clients that asked for it). Throws IllegalArgumentException for a header value Netty refuses.
     *
     * <p>The headers are built without Netty's per-header validation: the server's own values are constants or
     * rendered here, and a handler's are checked below by the same rules Netty applies.
     */
    FullHttpResponse toNetty(Response response, HttpVersion version, boolean keepAlive) {
        if (response.status() < 100 || response.status() > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + response.status());
        }
        byte[] body = response.body() != null ? response.body() : new byte[0];
        HttpHeaders headers = UNCHECKED.newHeaders();
        setHeaders(headers, response, body.length, version, keepAlive);
        return new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(response.status()),
                Unpooled.wrappedBuffer(body), headers, EmptyHttpHeaders.INSTANCE);
    }

    private void setHeaders(HttpHeaders headers, Response response, int length, HttpVersion version,
                            boolean keepAlive) {
        if (!response.headers().isEmpty()) {
            response.headers().forEach((name, value) -> {
                if (!reserved(name)) {
                    headers.set(checkedName(name), checkedValue(name, value));
                }
            });
        }
        if (response.contentType() != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, contentType(response.contentType()));
        }
        headers.set(HttpHeaderNames.CONTENT_LENGTH, length < LENGTHS.length ? LENGTHS[length]
                : AsciiString.of(Integer.toString(length)));
        headers.set(HttpHeaderNames.DATE, date());
        if (serverHeader != null) {
            headers.set(HttpHeaderNames.SERVER, serverHeader);
        }
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
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
        if (value == null || HttpHeaderValidationUtil.validateValidHeaderValue(value) != -1) {
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

    private AsciiString date() {
        long millis = clock.millis();
        long second = Math.floorDiv(millis, 1000L);
        DateHeader current = date;
        if (current.second() != second) {
            current = new DateHeader(second, AsciiString.of(DateFormatter.format(new Date(second * 1000L))));
            date = current;
        }
        return current.text();
    }
}
