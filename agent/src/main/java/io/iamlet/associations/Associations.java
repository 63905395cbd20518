package io.iamlet.associations;

import java.util.concurrent.CompletableFuture;

/** The associations in force, asked by service account. The seam between the store and the role resolver. */
@FunctionalInterface
interface Associations {

    /**
     * What the associations say about {@code namespace/serviceAccount}; completes exceptionally with
     * {@code Failure.NotYetKnown} while they are not known yet (never answers "none" for "not read yet").
     */
    CompletableFuture<Match> match(String namespace, String serviceAccount);
}
