package io.iamlet.associations;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A namespace or service-account name in an association: an exact name, or a glob where {@code *} stands for any
 * run of characters (possibly empty). Nothing else is special: Kubernetes names have no {@code ?} or {@code [}.
 *
 * <p>Specificity, used to pick among overlapping associations: an exact name beats any glob; between globs, the one
 * with more literal (non-{@code *}) characters wins, as it says more about the names it matches.
 *
 * <p>Matching walks the pattern's literal pieces (first piece anchored at the start, last at the end, the others
 * found left to right), which is exact for {@code *}-only globs and needs no regular expression.
 */
record NamePattern(String text, String[] pieces, boolean exact, int literalLength) {

    static final int MAX_NAMESPACE = 63;
    static final int MAX_SERVICE_ACCOUNT = 253;

    /** DNS-1123 label with '*' allowed where a letter or digit is; '**' is refused separately. */
    private static final Pattern NAMESPACE_GLOB = Pattern.compile("[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?");
    /** DNS-1123 subdomain, same '*' rule. */
    private static final Pattern SERVICE_ACCOUNT_GLOB = Pattern.compile("[a-z0-9*]([-a-z0-9.*]*[a-z0-9*])?");

    /** Kind of name, for the shape check and its message. */
    enum Kind {
        NAMESPACE("namespace", NAMESPACE_GLOB, MAX_NAMESPACE),
        SERVICE_ACCOUNT("serviceAccount", SERVICE_ACCOUNT_GLOB, MAX_SERVICE_ACCOUNT);

        private final String field;
        private final Pattern shape;
        private final int maxLength;

        Kind(String field, Pattern shape, int maxLength) {
            this.field = field;
            this.shape = shape;
            this.maxLength = maxLength;
        }
    }

    /** Parses a pattern that passed {@link #problem}. */
    static NamePattern of(String text) {
        String[] pieces = text.split("\\*", -1);
        int literal = text.length() - (pieces.length - 1);
        return new NamePattern(text, pieces, pieces.length == 1, literal);
    }

    /** What is wrong with {@code text} as a pattern of this kind, in words that do not echo it; empty when fine. */
    static Optional<String> problem(Kind kind, String text) {
        if (text == null || text.isEmpty()) {
            return Optional.of(kind.field + " is missing");
        }
        if (text.length() > kind.maxLength || !kind.shape.matcher(text).matches() || text.contains("**")) {
            return Optional.of(kind.field + " is neither a valid name nor a glob of one (lowercase letters, digits, '-'"
                    + (kind == Kind.SERVICE_ACCOUNT ? ", '.'" : "") + " and '*', at most " + kind.maxLength
                    + " characters, no '**')");
        }
        return Optional.empty();
    }

    boolean matches(String name) {
        if (exact) {
            return text.equals(name);
        }
        String first = pieces[0];
        String last = pieces[pieces.length - 1];
        if (name.length() < literalLength || !name.startsWith(first) || !name.endsWith(last)) {
            return false;
        }
        int from = first.length();
        int until = name.length() - last.length();
        for (int i = 1; i < pieces.length - 1; i++) {
            int at = name.indexOf(pieces[i], from);
            if (at < 0 || at + pieces[i].length() > until) {
                return false;
            }
            from = at + pieces[i].length();
        }
        return true;
    }

    /** Positive when this pattern is more specific than {@code other}, zero when as specific. */
    int compareSpecificity(NamePattern other) {
        if (exact != other.exact) {
            return exact ? 1 : -1;
        }
        return Integer.compare(literalLength, other.literalLength);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamePattern p && p.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
