package io.iamlet.webhook;

/**
 * The seam between the webhook and wherever roles are mapped: does a pod running as this service account get a
 * role, and so the injection? Implementations: {@link AnnotationRoleLookup} (the service account's
 * {@code eks.amazonaws.com/role-arn}, IRSA style); an association-backed one (io.iamlet.associations, cluster-scoped
 * PodIdentityAssociation objects, globs included) plugs in here, and {@link #either} combines the two.
 *
 * <p>Only "whether" matters here, not which role: the agent resolves the role when the pod asks for credentials.
 * An implementation that cannot tell (the API server unreachable) throws; the webhook then answers with an error and
 * the webhook configuration's failure policy decides (Ignore: the pod is admitted without injection, and the node
 * agent reports the miss).
 */
@FunctionalInterface
public interface RoleLookup {

    /** True when pods of {@code serviceAccount} in {@code namespace} are mapped to a role. */
    boolean hasRole(String namespace, String serviceAccount);

    /** A role from either source (annotation or association) is enough for the injection. */
    static RoleLookup either(RoleLookup first, RoleLookup second) {
        return (namespace, serviceAccount) -> first.hasRole(namespace, serviceAccount)
                || second.hasRole(namespace, serviceAccount);
    }
}
