package io.iamlet.associations;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the agent judges each association, for whoever reports it (the webhook's status writer): the same
 * {@link Association#of} checks and the same tie rule as {@link AssociationIndex}, exposed per association instead of
 * per service account.
 *
 * <p>A tie is reported when two equally specific associations have patterns some service account matches both, and
 * do not grant the same. That is what the index denies, except when a more specific association covers the whole
 * overlap (then the tie never decides anything): rare enough that reporting it anyway is the useful answer.
 * Quadratic in the number of associations, which are few and judged off the request path.
 */
public final class AssociationReview {

    /**
     * @param name     the association
     * @param reason   empty when the agent would use it; else a CamelCase condition reason (InvalidRoleArn, ...)
     * @param message  why not, in words that never echo the association's values (external ids stay out)
     * @param grant    what it grants when its spec is valid (a tie or the allow-list may still stop it)
     * @param tiedWith another association it ties with, if any (the first by name)
     */
    public record Verdict(String name, Optional<String> reason, String message, Optional<RoleGrant> grant,
                          Optional<String> tiedWith) {
    }

    private AssociationReview() {
    }

    /** Judges every object; keyed by name. Objects without a name are skipped. */
    public static Map<String, Verdict> review(Collection<PodIdentityAssociation> objects) {
        List<Association> judged = new ArrayList<>();
        Map<String, PodIdentityAssociationSpec> specs = new HashMap<>();
        for (PodIdentityAssociation object : objects) {
            Association a = Association.of(object);
            if (a.name() != null) {
                judged.add(a);
                specs.put(a.name(), object.getSpec());
            }
        }
        Map<String, String> tiedWith = ties(judged);
        Map<String, Verdict> verdicts = new HashMap<>();
        for (Association a : judged) {
            Optional<String> reason = a.valid() ? Optional.empty() : Optional.of(reason(a, specs.get(a.name())));
            verdicts.put(a.name(), new Verdict(a.name(), reason, String.join("; ", a.problems()),
                    Optional.ofNullable(a.grant()), Optional.ofNullable(tiedWith.get(a.name()))));
        }
        return verdicts;
    }

    /** Each association's first tie partner by name. */
    private static Map<String, String> ties(List<Association> judged) {
        Map<String, String> partner = new HashMap<>();
        List<Association> matchable = judged.stream().filter(Association::matchable)
                .sorted(Comparator.comparing(Association::name)).toList();
        for (int i = 0; i < matchable.size(); i++) {
            for (int j = i + 1; j < matchable.size(); j++) {
                Association a = matchable.get(i);
                Association b = matchable.get(j);
                if (a.namespace().compareSpecificity(b.namespace()) == 0
                        && a.serviceAccount().compareSpecificity(b.serviceAccount()) == 0
                        && overlap(a.namespace(), b.namespace()) && overlap(a.serviceAccount(), b.serviceAccount())
                        && (!a.valid() || !b.valid() || !a.grant().sameAccessAs(b.grant()))) {
                    partner.putIfAbsent(a.name(), b.name());
                    partner.putIfAbsent(b.name(), a.name());
                }
            }
        }
        return partner;
    }

    /** Whether some name matches both patterns ({@code *}-only globs: a star may absorb anything, even a star). */
    static boolean overlap(NamePattern p, NamePattern q) {
        String a = p.text();
        String b = q.text();
        // reach[i][j]: a[i..] and b[j..] can produce a common string
        boolean[][] reach = new boolean[a.length() + 1][b.length() + 1];
        reach[a.length()][b.length()] = true;
        for (int i = a.length(); i >= 0; i--) {
            for (int j = b.length(); j >= 0; j--) {
                if (i == a.length() && j == b.length()) {
                    continue;
                }
                boolean starA = i < a.length() && a.charAt(i) == '*';
                boolean starB = j < b.length() && b.charAt(j) == '*';
                boolean r = false;
                if (starA) {
                    r = reach[i + 1][j] || (j < b.length() && reach[i][j + 1]);
                }
                if (!r && starB) {
                    r = reach[i][j + 1] || (i < a.length() && reach[i + 1][j]);
                }
                if (!r && !starA && !starB && i < a.length() && j < b.length()) {
                    r = a.charAt(i) == b.charAt(j) && reach[i + 1][j + 1];
                }
                reach[i][j] = r;
            }
        }
        return reach[0][0];
    }

    /** The condition reason of an invalid association: its first problem's kind. */
    private static String reason(Association a, PodIdentityAssociationSpec spec) {
        if (spec == null) {
            return "InvalidSpec";
        }
        String first = a.problems().getFirst();
        if (first.startsWith("roleArn")) {
            return spec.getRoleArn() == null && spec.getTargetRoleArn() != null ? "TargetWithoutSource"
                    : "InvalidRoleArn";
        }
        if (first.startsWith("targetRoleArn")) {
            return "InvalidTargetRoleArn";
        }
        if (first.startsWith("externalId is only used")) {
            return "ExternalIdWithoutTarget";
        }
        if (first.startsWith("externalId")) {
            return "InvalidExternalId";
        }
        if (first.startsWith("sessionTags")) {
            return "InvalidSessionTags";
        }
        return "InvalidPattern";
    }
}
