package io.iamlet.associations;

import io.iamlet.identity.RoleArns;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One association as the agent keeps it: its name, the two patterns and either the grant or what is wrong with it.
 *
 * <p>The API server's CEL rules refuse malformed associations at admission, but objects can bypass them (created
 * before the CRD was updated, or on a cluster where the CRD was applied by hand), so the same checks run here. An
 * association whose patterns are broken matches nothing; one whose role side is broken still matches, and denies:
 * ignoring it could let a less specific association hand out a role its authors did not mean for these pods.
 *
 * @param problems empty when the association is usable; otherwise why not, in words that never echo its values
 */
record Association(String name, NamePattern namespace, NamePattern serviceAccount, RoleGrant grant,
                   List<String> problems) {

    /** STS allows 50 session tags; iamlet sets six at most itself. */
    static final int MAX_EXTRA_TAGS = 40;
    /** Keys iamlet sets on every session (AssumeRoleSource), compared case-insensitively like STS does. */
    static final Set<String> RESERVED_TAG_KEYS = Set.of("eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace",
            "kubernetes-service-account", "kubernetes-pod-name", "kubernetes-pod-uid");
    private static final Pattern TAG_KEY = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,128}");
    private static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{0,256}");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[A-Za-z0-9_+=,.@:/-]{2,1224}");

    Association {
        problems = List.copyOf(problems);
    }

    /** Whether it takes part in matching: its patterns are well-formed (its grant may still be broken). */
    boolean matchable() {
        return namespace != null && serviceAccount != null;
    }

    boolean valid() {
        return problems.isEmpty();
    }

    boolean matches(String ns, String sa) {
        return matchable() && namespace.matches(ns) && serviceAccount.matches(sa);
    }

    /** Judges the object as the CEL rules would, and more (ARN path segments, the allow-list comes later). */
    static Association of(PodIdentityAssociation object) {
        String name = object.getMetadata() == null ? null : object.getMetadata().getName();
        PodIdentityAssociationSpec spec = object.getSpec();
        if (spec == null) {
            return new Association(name, null, null, null, List.of("spec is missing"));
        }
        List<String> problems = new ArrayList<>();
        var nsProblem = NamePattern.problem(NamePattern.Kind.NAMESPACE, spec.getNamespace());
        var saProblem = NamePattern.problem(NamePattern.Kind.SERVICE_ACCOUNT, spec.getServiceAccount());
        nsProblem.ifPresent(problems::add);
        saProblem.ifPresent(problems::add);
        NamePattern namespace = nsProblem.isEmpty() ? NamePattern.of(spec.getNamespace()) : null;
        NamePattern serviceAccount = saProblem.isEmpty() ? NamePattern.of(spec.getServiceAccount()) : null;

        String roleArn = spec.getRoleArn();
        RoleArns.problem(roleArn).ifPresent(p -> problems.add("roleArn: " + p));
        Optional<String> target = Optional.ofNullable(spec.getTargetRoleArn());
        target.flatMap(RoleArns::problem).ifPresent(p -> problems.add("targetRoleArn: " + p));
        if (target.isPresent() && target.get().equals(roleArn)) {
            problems.add("targetRoleArn must differ from roleArn");
        }
        Optional<String> externalId = Optional.ofNullable(spec.getExternalId());
        if (externalId.isPresent() && target.isEmpty()) {
            problems.add("externalId is only used with targetRoleArn");
        }
        if (externalId.isPresent() && !EXTERNAL_ID.matcher(externalId.get()).matches()) {
            problems.add("externalId must be 2 to 1224 characters of letters, digits and _+=,.@:/-");
        }
        boolean disableTags = Boolean.TRUE.equals(spec.getDisableSessionTags());
        List<SessionTag> tagList = spec.getSessionTags() == null ? List.of() : spec.getSessionTags();
        Map<String, String> tags = new LinkedHashMap<>();
        tagProblem(tagList, disableTags, tags).ifPresent(problems::add);

        RoleGrant grant = problems.isEmpty()
                ? new RoleGrant(roleArn, target, externalId, disableTags, tags,
                        RoleGrant.ASSOCIATION, name)
                : null;
        return new Association(name, namespace, serviceAccount, grant, problems);
    }

    /** Checks the tags and copies them into {@code into}; the first problem found, if any. */
    private static Optional<String> tagProblem(List<SessionTag> tags, boolean disabled, Map<String, String> into) {
        if (tags.isEmpty()) {
            return Optional.empty();
        }
        if (disabled) {
            return Optional.of("sessionTags cannot be set when disableSessionTags is true");
        }
        if (tags.size() > MAX_EXTRA_TAGS) {
            return Optional.of("at most " + MAX_EXTRA_TAGS + " sessionTags");
        }
        Set<String> seen = new HashSet<>();
        for (SessionTag tag : tags) {
            String key = tag == null ? null : tag.getKey();
            String value = tag == null ? null : tag.getValue();
            if (key == null || !TAG_KEY.matcher(key).matches() || value == null || !TAG_VALUE.matcher(value).matches()) {
                return Optional.of("sessionTags: keys must be 1 to 128 and values at most 256 letters, digits,"
                        + " spaces or _.:/=+-@");
            }
            String lower = key.toLowerCase(Locale.ROOT);
            if (lower.startsWith("aws:") || RESERVED_TAG_KEYS.contains(lower)) {
                return Optional.of("sessionTags must not use keys starting with aws: nor the keys iamlet sets");
            }
            if (!seen.add(lower)) {
                return Optional.of("sessionTags keys must be unique (case-insensitively)");
            }
            into.put(key, value);
        }
        return Optional.empty();
    }
}
