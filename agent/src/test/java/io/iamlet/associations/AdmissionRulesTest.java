package io.iamlet.associations;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.iamlet.identity.RoleArns;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CEL rules the API server applies at admission (read from the checked-in CRD) accept exactly what the agent
 * accepts: an association admitted by one is not judged invalid by the other. The rules used here have the form
 * {@code self.matches('RE') && !self.contains('X') ...}; the test refuses any other form rather than skip part of it.
 */
class AdmissionRulesTest {

    private static JSONSchemaProps spec;

    @BeforeAll
    static void readCrd() throws Exception {
        spec = CrdManifestTest.specSchema(CrdManifestTest.checkedIn());
    }

    static List<String> arns() {
        String base = "arn:aws:iam::111122223333:role/";
        return List.of(base + "app", base + "team-a/app", base + "a/b/c/app", base + "a+b=c,d.e@f_g-h",
                base + "n".repeat(64), base + "n".repeat(65), "arn:aws-cn:iam::111122223333:role/app",
                "arn:aws-us-gov:iam::111122223333:role/app", "arn:aws-iso-b:iam::111122223333:role/app",
                "arn:aws-foo:iam::111122223333:role/app", base, base + "team//app", base + "./app", base + "a/../app",
                base + "app/", base + "app ", base + "app\n", base + "äpp", "arn:aws:iam::11112222333:role/app",
                "arn:aws:iam::111122223333:user/app", "arn:aws:sts::111122223333:role/app", "role/app", "");
    }

    static List<String> namespaces() {
        return List.of("team-a", "*", "team-*", "*-prod", "t*a*m", "0", "a".repeat(63), "a".repeat(64), "Team",
                "team_a", "-team", "team-", "team.a", "**", "team-**", "a?", "team a", "team\n", "");
    }

    static List<String> serviceAccounts() {
        List<String> names = new ArrayList<>(namespaces());
        names.addAll(List.of("app.v2", "a.*", "a".repeat(253), "a".repeat(254), ".app", "app."));
        return names;
    }

    @ParameterizedTest(name = "roleArn {0}")
    @MethodSource("arns")
    void roleArnRuleAgreesWithTheAgent(String arn) {
        assertThat(admits("roleArn", arn)).isEqualTo(RoleArns.isValid(arn));
        assertThat(admits("targetRoleArn", arn)).isEqualTo(RoleArns.isValid(arn));
    }

    @ParameterizedTest(name = "namespace \"{0}\"")
    @MethodSource("namespaces")
    void namespaceRuleAgreesWithTheAgent(String pattern) {
        assertThat(admits("namespace", pattern))
                .isEqualTo(NamePattern.problem(NamePattern.Kind.NAMESPACE, pattern).isEmpty());
    }

    @ParameterizedTest(name = "serviceAccount \"{0}\"")
    @MethodSource("serviceAccounts")
    void serviceAccountRuleAgreesWithTheAgent(String pattern) {
        assertThat(admits("serviceAccount", pattern))
                .isEqualTo(NamePattern.problem(NamePattern.Kind.SERVICE_ACCOUNT, pattern).isEmpty());
    }

    /** Length bounds and every CEL rule of the property. */
    private static boolean admits(String property, String value) {
        JSONSchemaProps props = spec.getProperties().get(property);
        if (props.getMaxLength() != null && value.length() > props.getMaxLength()) {
            return false;
        }
        if (props.getMinLength() != null && value.length() < props.getMinLength()) {
            return false;
        }
        return CrdManifestTest.rules(props).stream().allMatch(rule -> cel(rule).test(value));
    }

    private static final Pattern CLAUSE = Pattern.compile("(!?)self\\.(matches|contains)\\('([^']*)'\\)");

    /** A conjunction of {@code self.matches('RE')} and {@code !self.contains('X')}, as RE2 would run it. */
    private static Predicate<String> cel(String rule) {
        List<Predicate<String>> clauses = new ArrayList<>();
        List<String> rebuilt = new ArrayList<>();
        for (String text : rule.split(" && ")) {
            Matcher m = CLAUSE.matcher(text);
            assertThat(m.matches()).as("a rule form this test understands: %s", text).isTrue();
            boolean negated = m.group(1).equals("!");
            String arg = m.group(3);
            Predicate<String> clause;
            if (m.group(2).equals("matches")) {
                // RE2's $ is the end of the text; Java's also matches before a final line terminator
                Pattern re = Pattern.compile(arg.endsWith("$") ? arg.substring(0, arg.length() - 1) + "\\z" : arg);
                clause = s -> re.matcher(s).find();
            } else {
                clause = s -> s.contains(arg);
            }
            clauses.add(negated ? clause.negate() : clause);
            rebuilt.add(text);
        }
        assertThat(String.join(" && ", rebuilt)).isEqualTo(rule);
        return s -> clauses.stream().allMatch(c -> c.test(s));
    }
}
