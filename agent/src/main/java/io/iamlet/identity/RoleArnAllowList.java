package io.iamlet.identity;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The roles iamlet may hand out ({@code --allowed-role-pattern}): ARN globs where {@code *} stands for any run of
 * characters, matched against the whole ARN. No pattern means any well-formed role ARN is allowed.
 *
 * <p>{@link #allows(String)} is meant for ARNs that already passed {@link RoleArns#isValid(String)}; it checks the
 * pattern only. {@code *} may cross {@code /} and {@code :}, which is safe because a valid ARN has a fixed shape:
 * {@code arn:aws:iam::111122223333:role/team-a/*} allows every role under the {@code /team-a/} path.
 */
public final class RoleArnAllowList {

    private static final Pattern PATTERN_CHARS = Pattern.compile("[\\w+=,.@/:*-]+");

    private final List<String> patterns;
    private final List<Pattern> compiled;

    /**
     * @param patterns ARN globs; each must start with {@code arn:} and use only ARN characters and {@code *}
     * @throws IllegalArgumentException naming the offending pattern and the flag
     */
    public RoleArnAllowList(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
        this.compiled = this.patterns.stream().map(RoleArnAllowList::compile).toList();
    }

    /** Allows every well-formed role ARN. */
    public static RoleArnAllowList allowAll() {
        return new RoleArnAllowList(List.of());
    }

    /** True when no pattern is configured or {@code arn} matches one of them entirely. */
    public boolean allows(String arn) {
        if (compiled.isEmpty()) {
            return true;
        }
        for (Pattern p : compiled) {
            if (p.matcher(arn).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether any pattern is configured. */
    public boolean restricted() {
        return !compiled.isEmpty();
    }

    public List<String> patterns() {
        return patterns;
    }

    private static Pattern compile(String glob) {
        if (glob == null || !glob.startsWith("arn:") || !PATTERN_CHARS.matcher(glob).matches()) {
            throw new IllegalArgumentException("--allowed-role-pattern must be an ARN glob starting with 'arn:' using"
                    + " only ARN characters and '*', was '" + printable(glob) + "'");
        }
        var regex = new StringBuilder();
        int start = 0;
        for (int star = glob.indexOf('*'); star >= 0; star = glob.indexOf('*', start)) {
            if (star > start) {
                regex.append(Pattern.quote(glob.substring(start, star)));
            }
            regex.append(".*");
            start = star + 1;
        }
        if (start < glob.length()) {
            regex.append(Pattern.quote(glob.substring(start)));
        }
        return Pattern.compile(regex.toString());
    }

    private static String printable(String s) {
        return s == null ? "null" : s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    @Override
    public String toString() {
        return "RoleArnAllowList" + patterns;
    }
}
