package io.iamlet.associations;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** PodIdentityAssociation objects for tests. */
final class Fixtures {

    static final String ACCOUNT = "arn:aws:iam::111122223333:role/";

    private Fixtures() {
    }

    static PodIdentityAssociation association(String name, String namespace, String serviceAccount, String role) {
        var spec = new PodIdentityAssociationSpec();
        spec.setNamespace(namespace);
        spec.setServiceAccount(serviceAccount);
        spec.setRoleArn(role.startsWith("arn:") ? role : ACCOUNT + role);
        return association(name, spec);
    }

    static PodIdentityAssociation association(String name, PodIdentityAssociationSpec spec) {
        var meta = new ObjectMeta();
        meta.setName(name);
        var object = new PodIdentityAssociation();
        object.setMetadata(meta);
        object.setSpec(spec);
        return object;
    }

    static PodIdentityAssociationSpec spec(String namespace, String serviceAccount, String role) {
        var spec = new PodIdentityAssociationSpec();
        spec.setNamespace(namespace);
        spec.setServiceAccount(serviceAccount);
        spec.setRoleArn(role);
        return spec;
    }

    /** A fixed set, judged as the store judges what it watches. */
    static Associations fixed(Collection<PodIdentityAssociation> objects) {
        AssociationIndex index = new AssociationIndex(objects.stream().map(Association::of).toList());
        return (namespace, serviceAccount) -> CompletableFuture.completedFuture(index.match(namespace, serviceAccount));
    }

    static PodIdentityAssociationSpec withTags(PodIdentityAssociationSpec spec, SessionTag... tags) {
        spec.setSessionTags(List.of(tags));
        return spec;
    }
}
