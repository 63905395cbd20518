package io.iamlet.associations;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of the associations, arranged for matching; rebuilt when they change.
 *
 * <p>Precedence (most specific wins), compared in this order:
 * <ol>
 *   <li>an exact namespace beats a namespace glob;</li>
 *   <li>between namespace globs, more literal (non-{@code *}) characters win;</li>
 *   <li>an exact service account beats a service-account glob;</li>
 *   <li>between service-account globs, more literal characters win.</li>
 * </ol>
 * Associations equal on all four tie. A tie is harmless when they all grant exactly the same (e.g. while one object
 * replaces another); otherwise the service account is denied and the reason names two of them. Deterministic: the
 * answer depends on the set of associations only, never on the order they arrived in.
 *
 * <p>Exact namespaces are looked up by name, so a lookup costs the associations of that namespace plus the namespace
 * globs, not the whole set.
 */
final class AssociationIndex {

    /** Most specific first, then by name: the order of {@link #match} and of the tie's names. */
    static final Comparator<Association> PRECEDENCE = ((Comparator<Association>) AssociationIndex::compareSpecificity)
            .reversed().thenComparing(Association::name, Comparator.nullsLast(Comparator.naturalOrder()));

    static final AssociationIndex EMPTY = new AssociationIndex(List.of());

    private final Map<String, List<Association>> byExactNamespace;
    private final List<Association> namespaceGlobs;
    private final int size;

    AssociationIndex(Collection<Association> associations) {
        Map<String, List<Association>> exact = new HashMap<>();
        List<Association> globs = new ArrayList<>();
        for (Association a : associations) {
            if (!a.matchable()) {
                continue;
            }
            if (a.namespace().exact()) {
                exact.computeIfAbsent(a.namespace().text(), k -> new ArrayList<>()).add(a);
            } else {
                globs.add(a);
            }
        }
        exact.replaceAll((k, list) -> list.stream().sorted(PRECEDENCE).toList());
        this.byExactNamespace = Map.copyOf(exact);
        this.namespaceGlobs = globs.stream().sorted(PRECEDENCE).toList();
        this.size = associations.size();
    }

    /** Associations held, matchable or not. */
    int size() {
        return size;
    }

    Match match(String namespace, String serviceAccount) {
        Match exact = best(byExactNamespace.getOrDefault(namespace, List.of()), namespace, serviceAccount);
        return exact instanceof Match.None ? best(namespaceGlobs, namespace, serviceAccount) : exact;
    }

    /** {@code sorted} is in {@link #PRECEDENCE} order: the first match is the most specific; ties follow it. */
    private static Match best(List<Association> sorted, String namespace, String serviceAccount) {
        Association top = null;
        for (Association a : sorted) {
            if (top != null && compareSpecificity(a, top) < 0) {
                break;
            }
            if (!a.matches(namespace, serviceAccount)) {
                continue;
            }
            if (top == null) {
                top = a;
            } else if (!a.valid() || !top.valid() || !a.grant().sameAccessAs(top.grant())) {
                return new Match.Tie(top.name(), a.name());
            }
        }
        if (top == null) {
            return Match.NONE;
        }
        return top.valid() ? new Match.Granted(top.grant()) : new Match.Invalid(top.name(), top.problems());
    }

    private static int compareSpecificity(Association a, Association b) {
        int ns = a.namespace().compareSpecificity(b.namespace());
        return ns != 0 ? ns : a.serviceAccount().compareSpecificity(b.serviceAccount());
    }
}
