package io.iamlet.associations;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

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

    static PodIdentityAssociationSpec withTags(PodIdentityAssociationSpec spec, SessionTag... tags) {
        spec.setSessionTags(List.of(tags));
        return spec;
    }
}
