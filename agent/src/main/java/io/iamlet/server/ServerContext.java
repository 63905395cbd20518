package io.iamlet.server;

import java.util.function.BooleanSupplier;

/**
 * What every connection of one server shares. Immutable; {@code draining} turns true once when the server stops.
 *
 * @param name      the server's name, for logs and the {@code server} tag of connection meters
 * @param draining  true once the server is stopping: answer what is in progress, then close
 */
record ServerContext(String name, Routes routes, ServerLimits limits, Responses responses, ServerMetrics metrics,
                     BooleanSupplier draining) {
}
