package io.iamlet.associations;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The role a service account gets, and how: what the credentials side needs beyond the ARN.
 *
 * @param roleArn            the role to assume (with the pod's token or the node's credentials)
 * @param targetRoleArn      cross-account: the role then assumed with {@code roleArn}'s credentials, if any
 * @param externalId         sent when assuming {@code targetRoleArn}; only with it
 * @param disableSessionTags whether the session must carry no tags (iamlet's nor {@code sessionTags})
 * @param sessionTags        extra session tags, already checked against STS's limits and iamlet's own keys
 * @param source             where the grant came from: {@code annotation} or {@code association}
 * @param association        the association's name, or null for an annotation
 */
public record RoleGrant(String roleArn, Optional<String> targetRoleArn, Optional<String> externalId,
                        boolean disableSessionTags, Map<String, String> sessionTags, String source,
                        String association) {

    public static final String ANNOTATION = "annotation";
    public static final String ASSOCIATION = "association";

    public RoleGrant {
        Objects.requireNonNull(roleArn, "roleArn");
        Objects.requireNonNull(targetRoleArn, "targetRoleArn");
        Objects.requireNonNull(externalId, "externalId");
        sessionTags = Map.copyOf(sessionTags);
        Objects.requireNonNull(source, "source");
        if (externalId.isPresent() && targetRoleArn.isEmpty()) {
            throw new IllegalArgumentException("externalId without targetRoleArn");
        }
    }

    /** A role named by a service account's annotation: nothing but the ARN. */
    public static RoleGrant fromAnnotation(String roleArn) {
        return new RoleGrant(roleArn, Optional.empty(), Optional.empty(), false, Map.of(), ANNOTATION, null);
    }

    /** The role the pod's credentials are finally for: the target role when chaining, else {@link #roleArn}. */
    public String effectiveRoleArn() {
        return targetRoleArn.orElse(roleArn);
    }

    /** Whether iamlet must chain: assume {@link #roleArn}, then {@link #targetRoleArn} with those credentials. */
    public boolean chained() {
        return targetRoleArn.isPresent();
    }

    /** Same grant whoever named it: two associations that tie but grant exactly this are not in conflict. */
    boolean sameAccessAs(RoleGrant other) {
        return roleArn.equals(other.roleArn) && targetRoleArn.equals(other.targetRoleArn)
                && externalId.equals(other.externalId) && disableSessionTags == other.disableSessionTags
                && sessionTags.equals(other.sessionTags);
    }
}
