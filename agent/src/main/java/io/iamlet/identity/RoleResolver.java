package io.iamlet.identity;

import java.util.concurrent.CompletableFuture;

/** Maps a service account to the IAM role it may use (Pod Identity path). */
public interface RoleResolver {

    /**
     * Completes with the role ARN named by the service account's annotation, or exceptionally with
     * {@code Failure.Denied} (no annotation, malformed ARN, ARN outside the allow-list) or
     * {@code Failure.Unavailable} (API server unreachable).
     */
    CompletableFuture<String> roleArnFor(String namespace, String serviceAccount);
}
