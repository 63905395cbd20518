package io.iamlet.associations;

import java.util.Locale;

/**
 * Where the agent looks up a service account's role ({@code --role-source}).
 *
 * <ul>
 *   <li>{@code annotation}: the service account's role annotation only (IRSA-compatible; today's behaviour).</li>
 *   <li>{@code association}: PodIdentityAssociations only; the annotation is ignored. The hardened mode: only
 *       whoever RBAC lets write the cluster-scoped associations can map roles, not every namespace owner.</li>
 *   <li>{@code both}: the association when one matches, the annotation otherwise. An association that matches
 *       but denies (tie, invalid, role not allowed) is final: the annotation is not consulted.</li>
 * </ul>
 */
public enum RoleSource {
    ANNOTATION, ASSOCIATION, BOTH;

    /** The flag's spelling. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the flag's value, case-insensitively. */
    public static RoleSource of(String value) {
        for (RoleSource source : values()) {
            if (source.toString().equalsIgnoreCase(value == null ? "" : value.strip())) {
                return source;
            }
        }
        throw new IllegalArgumentException("--role-source must be annotation, association or both, was '"
                + (value == null ? "" : value.replaceAll("[^\\x20-\\x7e]", "?")) + "'");
    }

    /** Whether the agent needs the association informer (and RBAC on podidentityassociations.iamlet.io). */
    public boolean usesAssociations() {
        return this != ANNOTATION;
    }
}
