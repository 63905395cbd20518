package io.iamlet.metadata;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The metadata path's meters. Tags are constant words only (reasons and outcomes), never pods or addresses. */
final class MetadataMetrics {

    private final MeterRegistry registry;
    private final Counter tokensIssued;

    MetadataMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.tokensIssued = Counter.builder("iamlet.metadata.tokens.issued")
                .description("IMDSv2 session tokens issued by iamlet").register(registry);
    }

    void tokenIssued() {
        tokensIssued.increment();
    }

    /** A token PUT refused ({@code forwarded}, {@code bad_ttl}). */
    void tokenRefused(String reason) {
        tokenRefusal(reason);
    }

    /** A GET refused by the token check ({@code imdsv1_refused}, {@code expired}, {@code invalid}). */
    void tokenRejected(String reason) {
        tokenRefusal(reason);
    }

    private void tokenRefusal(String reason) {
        Counter.builder("iamlet.metadata.token.refusals")
                .description("IMDSv2 token requests and token checks refused, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    /** {@code allowed}: forwarded upstream; {@code blocked}: not on the allow-list; {@code upstream_error}. */
    void proxy(String outcome) {
        Counter.builder("iamlet.metadata.proxy.requests")
                .description("Metadata requests outside iam/, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** An iam/ request refused: no role, policy, unknown pod, credentials unavailable... */
    void denial(String reason) {
        Counter.builder("iamlet.metadata.denials")
                .description("Requests for a role or its credentials that were refused, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    void served(boolean cacheHit) {
        Counter.builder("iamlet.metadata.credentials.served")
                .description("Credentials served on the metadata path, by whether the cache had them")
                .tag("cache", cacheHit ? "hit" : "miss").register(registry).increment();
    }

    /** {@code started}, {@code no_role}, {@code denied}, {@code failed}. */
    void prefetch(String outcome) {
        Counter.builder("iamlet.metadata.prefetches")
                .description("Credential prefetches for pods appearing on the node, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }
}
