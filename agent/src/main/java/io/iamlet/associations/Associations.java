package io.iamlet.associations;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/** The associations in force, asked by service account. The seam between the store and the role resolver. */
interface Associations {

    /**
     * What the associations say about {@code namespace/serviceAccount}; completes exceptionally with
     * {@code Failure.NotYetKnown} while they are not known yet (never answers "none" for "not read yet").
     */
    CompletableFuture<Match> match(String namespace, String serviceAccount);

    /** A fixed set, judged as the store judges what it watches. */
    static Associations fixed(Collection<PodIdentityAssociation> objects) {
        AssociationIndex index = new AssociationIndex(objects.stream().map(Association::of).toList());
        return (namespace, serviceAccount) -> CompletableFuture.completedFuture(index.match(namespace, serviceAccount));
    }
}
