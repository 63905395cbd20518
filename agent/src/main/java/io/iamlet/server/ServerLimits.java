package io.iamlet.server;

import java.time.Duration;
import java.util.Objects;

/**
 * What one client may cost a listener. Clients of iamlet are SDKs sending tiny GETs, so everything is small.
 *
 * @param maxInitialLineLength  request line bytes (method, URI, version); longer answers 414
 * @param maxHeaderSize         all header bytes together; larger answers 431
 * @param maxContentLength      request body bytes; larger answers 413
 * @param readTimeout           a complete request must arrive within this time of the connection opening or of the
 *                              previous response, else the connection is closed (idle keep-alive and slowloris alike)
 * @param handlerTimeout        a handler that has not answered within this time gets a 503 in its place
 * @param maxConnections        open connections per listener; connections beyond are closed at once
 * @param maxConnectionsPerSource open connections one source address may hold on one listener
 * @param maxPipelinedRequests  requests a client may send ahead of its responses on one connection
 */
public record ServerLimits(
        int maxInitialLineLength,
        int maxHeaderSize,
        int maxContentLength,
        Duration readTimeout,
        Duration handlerTimeout,
        int maxConnections,
        int maxConnectionsPerSource,
        int maxPipelinedRequests) {

    public static final ServerLimits DEFAULTS =
            new ServerLimits(4096, 8192, 4096, Duration.ofSeconds(10), Duration.ofSeconds(10), 1024, 1024, 16);

    public ServerLimits {
        positive("maxInitialLineLength", maxInitialLineLength);
        positive("maxHeaderSize", maxHeaderSize);
        if (maxContentLength < 0) {
            throw new IllegalArgumentException("maxContentLength must be >= 0, was " + maxContentLength);
        }
        positive("readTimeout", readTimeout);
        positive("handlerTimeout", handlerTimeout);
        positive("maxConnections", maxConnections);
        positive("maxConnectionsPerSource", maxConnectionsPerSource);
        positive("maxPipelinedRequests", maxPipelinedRequests);
    }

    public ServerLimits withReadTimeout(Duration value) {
        return new ServerLimits(maxInitialLineLength, maxHeaderSize, maxContentLength, value, handlerTimeout,
                maxConnections, maxConnectionsPerSource, maxPipelinedRequests);
    }

    public ServerLimits withHandlerTimeout(Duration value) {
        return new ServerLimits(maxInitialLineLength, maxHeaderSize, maxContentLength, readTimeout, value,
                maxConnections, maxConnectionsPerSource, maxPipelinedRequests);
    }

    public ServerLimits withMaxConnections(int value) {
        return new ServerLimits(maxInitialLineLength, maxHeaderSize, maxContentLength, readTimeout, handlerTimeout,
                value, maxConnectionsPerSource, maxPipelinedRequests);
    }

    public ServerLimits withMaxConnectionsPerSource(int value) {
        return new ServerLimits(maxInitialLineLength, maxHeaderSize, maxContentLength, readTimeout, handlerTimeout,
                maxConnections, value, maxPipelinedRequests);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }
}
