package io.iamlet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RoleArnsTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "arn:aws:iam::111122223333:role/web",
            "arn:aws:iam::111122223333:role/team-a/web",
            "arn:aws:iam::111122223333:role/a/b/c/web",
            "arn:aws-cn:iam::111122223333:role/web",
            "arn:aws-us-gov:iam::111122223333:role/web",
            "arn:aws-iso:iam::111122223333:role/web",
            "arn:aws-iso-b:iam::111122223333:role/web",
            "arn:aws-iso-f:iam::111122223333:role/web",
            "arn:aws:iam::111122223333:role/Name_With+=,.@-chars",
            "arn:aws:iam::111122223333:role/service-role/aws-reserved/x"})
    void acceptsWellFormedRoleArns(String arn) {
        assertThat(RoleArns.problem(arn)).isEmpty();
        assertThat(RoleArns.isValid(arn)).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "arn:aws:iam::111122223333:user/web",
            "arn:aws:iam::11112222333:role/web",
            "arn:aws:iam::1111222233334:role/web",
            "arn:aws:iam:us-east-1:111122223333:role/web",
            "arn:aws:sts::111122223333:role/web",
            "arn:aws:sts::111122223333:assumed-role/web/session",
            "arn:azure:iam::111122223333:role/web",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role",
            "arn:aws:iam::111122223333:role//web",
            "arn:aws:iam::111122223333:role/a//web",
            "arn:aws:iam::111122223333:role/../web",
            "arn:aws:iam::111122223333:role/a/./web",
            "arn:aws:iam::111122223333:role/we b",
            "arn:aws:iam::111122223333:role/web\n",
            "arn:aws:iam::111122223333:role/web\u0000",
            "arn:aws:iam::111122223333:role/wéb",
            " arn:aws:iam::111122223333:role/web",
            "arn:aws:iam::111122223333:role/web*",
            "arn:aws:iam::111122223333:role/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void refusesMalformedRoleArnsWithoutEchoingThem(String arn) {
        assertThat(RoleArns.isValid(arn)).isFalse();
        String problem = RoleArns.problem(arn).orElseThrow();
        if (arn != null && !arn.isEmpty()) {
            assertThat(problem).doesNotContain(arn.strip());
        }
    }

    @Test
    void acceptsRoleNameOfExactly64Characters() {
        assertThat(RoleArns.isValid("arn:aws:iam::111122223333:role/" + "a".repeat(64))).isTrue();
    }

    @Test
    void extractsNameAndAccount() {
        String arn = "arn:aws:iam::111122223333:role/team-a/web";
        assertThat(RoleArns.roleName(arn)).isEqualTo("web");
        assertThat(RoleArns.accountId(arn)).isEqualTo("111122223333");
    }

    @ParameterizedTest
    @CsvSource({
            "arn:aws:iam::111122223333:role/team-a/*, arn:aws:iam::111122223333:role/team-a/web, true",
            "arn:aws:iam::111122223333:role/team-a/*, arn:aws:iam::111122223333:role/team-a/x/web, true",
            "arn:aws:iam::111122223333:role/team-a/*, arn:aws:iam::111122223333:role/team-b/web, false",
            "arn:aws:iam::111122223333:role/team-a/*, arn:aws:iam::999922223333:role/team-a/web, false",
            "arn:aws:iam::*:role/ci-*, arn:aws:iam::444455556666:role/ci-runner, true",
            "arn:aws:iam::*:role/ci-*, arn:aws:iam::444455556666:role/prod/ci-runner, false",
            "arn:aws:iam::111122223333:role/web, arn:aws:iam::111122223333:role/web, true",
            "arn:aws:iam::111122223333:role/web, arn:aws:iam::111122223333:role/web2, false",
            "arn:aws:iam::111122223333:role/web, arn:aws:iam::111122223333:role/x/web, false",
            "arn:aws:iam::111122223333:role/web.prod, arn:aws:iam::111122223333:role/webXprod, false"})
    void matchesAllowListGlobsAgainstTheWholeArn(String pattern, String arn, boolean allowed) {
        assertThat(new RoleArnAllowList(List.of(pattern)).allows(arn)).isEqualTo(allowed);
    }

    @Test
    void emptyAllowListAllowsAnyRole() {
        assertThat(RoleArnAllowList.allowAll().allows("arn:aws:iam::111122223333:role/web")).isTrue();
        assertThat(RoleArnAllowList.allowAll().restricted()).isFalse();
    }

    @Test
    void anyMatchingPatternAllows() {
        var list = new RoleArnAllowList(List.of("arn:aws:iam::111122223333:role/a", "arn:aws:iam::*:role/b"));
        assertThat(list.allows("arn:aws:iam::999922223333:role/b")).isTrue();
        assertThat(list.allows("arn:aws:iam::999922223333:role/a")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "role/*", "arn:aws:iam::(1|2):role/x", "arn:aws:iam::1:role/x y", "arn:aws:iam::?"})
    void refusesPatternsThatAreNotArnGlobsNamingTheFlag(String pattern) {
        assertThatThrownBy(() -> new RoleArnAllowList(List.of(pattern)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--allowed-role-pattern");
    }
}
