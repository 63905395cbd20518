package io.iamlet.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which roles the pods of one namespace may use, read from the namespace's annotations. Deny by default: no
 * annotation, an empty one or a malformed one allows nothing.
 *
 * <ul>
 *   <li>{@value #ALLOWED_ROLES} (kube2iam): a JSON array of globs. {@code *} matches any run of characters except
 *       {@code /} and {@code :} (so it stays within one path segment or ARN field); {@code **} matches any run of
 *       characters. Every other character is literal.</li>
 *   <li>{@value #PERMITTED} (kiam): one Java regular expression.</li>
 * </ul>
 * Both are anchored: the pattern must match the whole ARN (or whole role name), never a part of it. A pattern that
 * starts with {@code arn:} (a regex: {@code arn:} or {@code ^arn:}) is matched against the resolved role ARN. Any
 * other pattern names roles relative to {@code --base-role-arn}: it matches a role whose ARN is the base ARN followed
 * by a string the pattern matches in full; with no base ARN configured it matches nothing. A namespace with both
 * annotations allows a role that either allows.
 *
 * <p>Memory: a cluster has thousands of namespaces and this node's pods use a few. A policy is checked (parsed, its
 * problems found) when it is made, but keeps only the annotations' text; the patterns are compiled again on the
 * first {@link #check} and kept from then on. A compiled pattern costs about a kilobyte, the text a few dozen bytes.
 */
public final class NamespacePolicy {

    public static final String ALLOWED_ROLES = "iam.amazonaws.com/allowed-roles";
    public static final String PERMITTED = "iam.amazonaws.com/permitted";

    /** Reads of the ARN one regex may make; ARNs are at most 2048 characters, honest patterns need a few times that. */
    static final int MATCH_BUDGET = 200_000;

    private static final int MAX_ANNOTATION = 8192;
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Pattern GLOB_CHARS = Pattern.compile("[\\w+=,.@/:*-]+");

    private record Rule(String source, boolean fullArn, Pattern pattern) {
    }

    /** Why a role was refused: a constant reason for metrics, and a message for the caller and the pod's events. */
    public record Refusal(String reason, String message) {
    }

    /** The two annotations' values as written (null when absent): all a policy keeps until it is first used. */
    private final String allowedRoles;
    private final String permitted;
    private final boolean hasRules;
    private final List<String> problems;
    /** Compiled on the first {@link #check}; a race compiles twice, to equal rules. */
    private volatile List<Rule> rules;

    private NamespacePolicy(String allowedRoles, String permitted, List<Rule> rules, List<String> problems) {
        this.allowedRoles = allowedRoles;
        this.permitted = permitted;
        this.hasRules = !rules.isEmpty();
        this.problems = List.copyOf(problems);
    }

    /** The policy written in a namespace's annotations (null or empty: none, deny everything). */
    public static NamespacePolicy fromAnnotations(Map<String, String> annotations) {
        String globs = annotations == null ? null : annotations.get(ALLOWED_ROLES);
        String regex = annotations == null ? null : annotations.get(PERMITTED);
        List<String> problems = new ArrayList<>();
        return new NamespacePolicy(globs, regex, parse(globs, regex, problems), problems);
    }

    private static List<Rule> parse(String globs, String regex, List<String> problems) {
        List<Rule> rules = new ArrayList<>();
        if (globs != null) {
            parseGlobs(globs, rules, problems);
        }
        if (regex != null) {
            parseRegex(regex, rules, problems);
        }
        return List.copyOf(rules);
    }

    private List<Rule> rules() {
        List<Rule> compiled = rules;
        if (compiled == null) {
            compiled = parse(allowedRoles, permitted, new ArrayList<>());
            rules = compiled;
        }
        return compiled;
    }

    /** Whether any annotation gave at least one usable pattern. */
    public boolean hasRules() {
        return hasRules;
    }

    /** Annotation problems found when parsing (for logs); the broken parts allow nothing. */
    public List<String> problems() {
        return problems;
    }

    /**
     * Empty if {@code roleArn} (already validated) is allowed, else why not.
     *
     * @param baseRoleArn the {@code --base-role-arn} prefix, or null
     */
    public Optional<Refusal> check(String roleArn, String baseRoleArn, String namespace) {
        for (Rule rule : rules()) {
            if (matches(rule, roleArn, baseRoleArn)) {
                return Optional.empty();
            }
        }
        if (!hasRules) {
            return Optional.of(new Refusal(problems.isEmpty() ? "namespace_no_policy" : "namespace_policy_invalid",
                    "role " + roleArn + " is not permitted in namespace " + namespace + ": the namespace "
                            + (problems.isEmpty() ? "has no " : "has no valid ") + ALLOWED_ROLES + " or " + PERMITTED
                            + " annotation"));
        }
        return Optional.of(new Refusal("namespace_policy_mismatch", "role " + roleArn
                + " is not permitted in namespace " + namespace + ": it matches neither its " + ALLOWED_ROLES
                + " nor its " + PERMITTED + " annotation"));
    }

    private static boolean matches(Rule rule, String arn, String base) {
        String subject;
        if (rule.fullArn()) {
            subject = arn;
        } else if (base != null && arn.startsWith(base) && arn.length() > base.length()) {
            subject = arn.substring(base.length());
        } else {
            return false;
        }
        try {
            return rule.pattern().matcher(new BoundedInput(subject, MATCH_BUDGET)).matches();
        } catch (BoundedInput.Exhausted | StackOverflowError e) {
            return false;
        }
    }

    private static void parseGlobs(String value, List<Rule> rules, List<String> problems) {
        if (value.length() > MAX_ANNOTATION) {
            problems.add(ALLOWED_ROLES + " is longer than " + MAX_ANNOTATION + " characters");
            return;
        }
        JsonNode array;
        try {
            array = JSON.readTree(value);
        } catch (JacksonException e) {
            problems.add(ALLOWED_ROLES + " is not valid JSON");
            return;
        }
        if (array == null || !array.isArray()) {
            problems.add(ALLOWED_ROLES + " must be a JSON array of strings");
            return;
        }
        for (JsonNode item : array) {
            String glob = item.isString() ? item.asString().strip() : null;
            if (glob == null || glob.isEmpty() || !GLOB_CHARS.matcher(glob).matches()) {
                problems.add(ALLOWED_ROLES + " has an entry that is not a glob of ARN characters and '*'");
                continue;
            }
            rules.add(new Rule(ALLOWED_ROLES, glob.startsWith("arn:"), Pattern.compile(globToRegex(glob))));
        }
    }

    private static void parseRegex(String value, List<Rule> rules, List<String> problems) {
        String regex = value.strip();
        if (regex.isEmpty() || regex.length() > MAX_ANNOTATION) {
            problems.add(PERMITTED + " is empty or longer than " + MAX_ANNOTATION + " characters");
            return;
        }
        try {
            boolean fullArn = regex.startsWith("arn:") || regex.startsWith("^arn:");
            // (?:...) keeps a top-level alternation inside the anchors: "a|b" must not become "^a" or "b$"
            rules.add(new Rule(PERMITTED, fullArn, Pattern.compile("(?:" + regex + ")")));
        } catch (PatternSyntaxException e) {
            problems.add(PERMITTED + " is not a valid regular expression");
        }
    }

    static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c != '*') {
                literal.append(c);
                continue;
            }
            if (!literal.isEmpty()) {
                regex.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
            }
            if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                while (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    i++;
                }
                regex.append(".*");
            } else {
                regex.append("[^/:]*");
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return regex.toString();
    }

    @Override
    public String toString() {
        return "NamespacePolicy" + rules().stream().map(r -> r.source() + "=" + r.pattern().pattern()).toList();
    }
}
