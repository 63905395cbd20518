package io.iamlet.metadata;

import java.util.concurrent.CompletableFuture;

/** Where namespace policies come from (an informer in production, a map in tests). */
@FunctionalInterface
public interface NamespacePolicies {

    /**
     * The policy of {@code namespace}. Must not block. Completes exceptionally with
     * {@link io.iamlet.failure.Failure.NotYetKnown} when the namespace is not known (yet): a transient answer, never a
     * grant.
     */
    CompletableFuture<NamespacePolicy> policyFor(String namespace);
}
