package io.iamlet.associations;

import io.iamlet.identity.RoleResolver;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RoleResolver} that can also say how the role is to be obtained: chained into a target role, with which
 * external id and session tags. The credentials side moves to {@link #grantFor} when it learns to chain.
 */
public interface GrantResolver extends RoleResolver {

    /**
     * Completes with the grant for the service account, or exceptionally with {@code Failure.Denied} (no role, a
     * tie, an invalid association, a role outside the allow-list) or a retryable failure ({@code NotYetKnown},
     * {@code Unavailable}).
     */
    CompletableFuture<RoleGrant> grantFor(String namespace, String serviceAccount);
}
