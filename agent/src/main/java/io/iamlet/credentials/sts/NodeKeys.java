package io.iamlet.credentials.sts;

import java.util.concurrent.CompletableFuture;

/**
 * The node's own AWS keys, for {@code AssumeRole} and {@code GetCallerIdentity}: a fixed pair, or
 * {@link NodeKeyChain}'s lookup (environment, web identity, profile, container, instance metadata). Implementations
 * cache and renew; {@link #keys()} must not block.
 */
public interface NodeKeys extends AutoCloseable {

    /** Keys valid now; fails with a {@link StsTransportException} when none can be had. */
    CompletableFuture<AwsKeys> keys();

    @Override
    default void close() {
    }

    /** Always the same keys (tests, or keys given on the command line). */
    static NodeKeys fixed(AwsKeys keys) {
        CompletableFuture<AwsKeys> done = CompletableFuture.completedFuture(keys);
        return new NodeKeys() {
            @Override
            public CompletableFuture<AwsKeys> keys() {
                return done.copy();
            }

            @Override
            public String toString() {
                return "NodeKeys.fixed(" + keys + ")";
            }
        };
    }
}
