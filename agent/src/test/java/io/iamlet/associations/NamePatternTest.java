package io.iamlet.associations;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NamePatternTest {

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource({
            "team-a,      team-a,      true",
            "team-a,      team-ab,     false",
            "team-*,      team-a,      true",
            "team-*,      team-,       true",
            "team-*,      team,        false",
            "*,           anything,    true",
            "*-prod,      pay-prod,    true",
            "*-prod,      pay-prod-2,  false",
            "a*b*c,       abc,         true",
            "a*b*c,       a-x-b-y-c,   true",
            "a*b*c,       acb,         false",
            "a*a,         a,           false",
            "a*a,         aa,          true",
            "ab*bc,       abc,         false",
            "ab*bc,       abbc,        true",
            "*b*,         abc,         true",
            "*b*,         ac,          false",
    })
    void globsMatchWholeNames(String pattern, String name, boolean matches) {
        assertThat(NamePattern.of(pattern).matches(name)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0} is more specific than {1}")
    @CsvSource({
            "team-a,   team-*",
            "team-a,   *",
            "a,        abcdefgh*",
            "team-*,   t*",
            "team-*,   *",
            "*-prod-*, *-prod",
    })
    void exactBeatsGlobThenLongerLiteralWins(String more, String less) {
        assertThat(NamePattern.of(more).compareSpecificity(NamePattern.of(less))).isPositive();
        assertThat(NamePattern.of(less).compareSpecificity(NamePattern.of(more))).isNegative();
    }

    @ParameterizedTest(name = "{0} and {1} are as specific")
    @CsvSource({"team-*, *-team", "a*, *a", "x, y"})
    void sameKindAndLiteralLengthAreEquallySpecific(String a, String b) {
        assertThat(NamePattern.of(a).compareSpecificity(NamePattern.of(b))).isZero();
    }

    @ParameterizedTest(name = "namespace \"{0}\" refused")
    @CsvSource(value = {"''", "Team", "team_a", "-team", "team-", "team.a", "**", "team-**", "a?", "team a"},
            quoteCharacter = '\'')
    void refusesMalformedNamespacePatterns(String pattern) {
        assertThat(NamePattern.problem(NamePattern.Kind.NAMESPACE, pattern)).isPresent();
    }

    @ParameterizedTest(name = "service account \"{0}\" refused")
    @CsvSource(value = {"''", "App", "app_1", ".app", "app.", "a**", "ap/p"}, quoteCharacter = '\'')
    void refusesMalformedServiceAccountPatterns(String pattern) {
        assertThat(NamePattern.problem(NamePattern.Kind.SERVICE_ACCOUNT, pattern)).isPresent();
    }

    @ParameterizedTest(name = "\"{0}\" accepted")
    @CsvSource({"team-a", "*", "team-*", "*-prod", "t*a*m", "a", "0"})
    void acceptsNamesAndGlobs(String pattern) {
        assertThat(NamePattern.problem(NamePattern.Kind.NAMESPACE, pattern)).isEmpty();
        assertThat(NamePattern.problem(NamePattern.Kind.SERVICE_ACCOUNT, pattern)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void serviceAccountsMayHaveDotsAndBeLongerThanNamespaces() {
        assertThat(NamePattern.problem(NamePattern.Kind.SERVICE_ACCOUNT, "app.v2")).isEmpty();
        assertThat(NamePattern.problem(NamePattern.Kind.NAMESPACE, "a".repeat(64))).isPresent();
        assertThat(NamePattern.problem(NamePattern.Kind.SERVICE_ACCOUNT, "a".repeat(64))).isEmpty();
    }
}
