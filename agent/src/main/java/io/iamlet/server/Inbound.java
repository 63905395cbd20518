package io.iamlet.server;

import io.netty.handler.codec.http.HttpVersion;

/** What the dispatcher queues per connection, in arrival order: a request to route, or one to refuse. */
sealed interface Inbound {

    /** A well-formed request. */
    record Call(Request request, HttpVersion version, boolean keepAlive) implements Inbound {
    }

    /** A request refused before routing (malformed, too large); the connection closes after the answer. */
    record Reject(int status, String code, String message) implements Inbound {
    }
}
