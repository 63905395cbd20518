package io.iamlet.associations;

import static io.iamlet.associations.Fixtures.ACCOUNT;
import static io.iamlet.associations.Fixtures.association;
import static io.iamlet.associations.Fixtures.spec;
import static io.iamlet.associations.Fixtures.withTags;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the agent makes of one object: the same checks as the CEL rules, for objects that bypassed them. */
class AssociationTest {

    private static final String ROLE = ACCOUNT + "source";
    private static final String TARGET = "arn:aws:iam::444455556666:role/target";

    @Test
    void crossAccountAssociationCarriesTargetExternalIdAndTags() {
        var spec = withTags(spec("team", "app", ROLE), new SessionTag("team", "payments"), new SessionTag("cc", "42"));
        spec.setTargetRoleArn(TARGET);
        spec.setExternalId("ext-123");
        Association a = Association.of(association("pay", spec));

        assertThat(a.problems()).isEmpty();
        RoleGrant grant = a.grant();
        assertThat(grant.roleArn()).isEqualTo(ROLE);
        assertThat(grant.targetRoleArn()).contains(TARGET);
        assertThat(grant.effectiveRoleArn()).isEqualTo(TARGET);
        assertThat(grant.chained()).isTrue();
        assertThat(grant.externalId()).contains("ext-123");
        assertThat(grant.sessionTags()).containsExactlyInAnyOrderEntriesOf(Map.of("team", "payments", "cc", "42"));
        assertThat(grant.disableSessionTags()).isFalse();
        assertThat(grant.association()).isEqualTo("pay");
    }

    @Test
    void plainAssociationIsNotChained() {
        RoleGrant grant = Association.of(association("a", "team", "app", ROLE)).grant();
        assertThat(grant.chained()).isFalse();
        assertThat(grant.effectiveRoleArn()).isEqualTo(ROLE);
        assertThat(grant.externalId()).isEmpty();
        assertThat(grant.sessionTags()).isEmpty();
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                Arguments.of("malformed role", spec("team", "app", "arn:aws:iam::1:role/x"), "roleArn"),
                Arguments.of("role path with ..", spec("team", "app", ACCOUNT + "a/../x"), "roleArn"),
                Arguments.of("malformed target", chained(spec("team", "app", ROLE), "role/x", null), "targetRoleArn"),
                Arguments.of("target same as role", chained(spec("team", "app", ROLE), ROLE, null), "differ"),
                Arguments.of("externalId alone", externalIdOnly(spec("team", "app", ROLE)), "only used with"),
                Arguments.of("externalId too short", chained(spec("team", "app", ROLE), TARGET, "x"), "externalId"),
                Arguments.of("reserved tag", withTags(spec("team", "app", ROLE),
                        new SessionTag("Kubernetes-Namespace", "x")), "keys iamlet sets"),
                Arguments.of("aws: tag", withTags(spec("team", "app", ROLE), new SessionTag("aws:x", "y")),
                        "aws:"),
                Arguments.of("duplicate tag", withTags(spec("team", "app", ROLE), new SessionTag("Team", "a"),
                        new SessionTag("team", "b")), "unique"),
                Arguments.of("tag key with a newline", withTags(spec("team", "app", ROLE),
                        new SessionTag("a\nb", "c")), "sessionTags"),
                Arguments.of("41 tags", withTags(spec("team", "app", ROLE), IntStream.range(0, 41)
                        .mapToObj(i -> new SessionTag("k" + i, "v")).toArray(SessionTag[]::new)), "at most 40"),
                Arguments.of("tags while disabled", disabled(withTags(spec("team", "app", ROLE),
                        new SessionTag("team", "a"))), "disableSessionTags"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void brokenGrantStillMatchesAndSaysWhy(String name, PodIdentityAssociationSpec spec, String problem) {
        Association a = Association.of(association("bad", spec));
        assertThat(a.valid()).isFalse();
        assertThat(a.grant()).isNull();
        assertThat(a.matchable()).as("its patterns are fine, so it still matches (and denies)").isTrue();
        assertThat(a.problems()).anySatisfy(p -> assertThat(p).contains(problem));
    }

    @Test
    void problemsNeverEchoTheValues() {
        var spec = spec("team", "app", "arn:aws:iam::1:role/\u001b[31mevil");
        spec.setExternalId("secret-looking-\u0000");
        assertThat(Association.of(association("bad", spec)).problems())
                .allSatisfy(p -> assertThat(p).doesNotContain("evil", "secret-looking", "\u001b"));
    }

    @Test
    void brokenPatternsMatchNothing() {
        assertThat(Association.of(association("a", "Team", "app", ROLE)).matchable()).isFalse();
        assertThat(Association.of(association("a", "team", "a**", ROLE)).matchable()).isFalse();
        var noSpec = association("a", (PodIdentityAssociationSpec) null);
        assertThat(Association.of(noSpec).matchable()).isFalse();
        assertThat(Association.of(noSpec).problems()).containsExactly("spec is missing");
    }

    @Test
    void disablingSessionTagsWithoutExtraTagsIsFine() {
        Association a = Association.of(association("a", disabled(spec("team", "app", ROLE))));
        assertThat(a.valid()).isTrue();
        assertThat(a.grant().disableSessionTags()).isTrue();
    }

    @Test
    void annotationGrantIsTheArnAlone() {
        assertThat(RoleGrant.fromAnnotation(ROLE)).isEqualTo(new RoleGrant(ROLE, Optional.empty(), Optional.empty(),
                false, Map.of(), RoleGrant.ANNOTATION, null));
    }

    private static PodIdentityAssociationSpec chained(PodIdentityAssociationSpec spec, String target, String id) {
        spec.setTargetRoleArn(target);
        spec.setExternalId(id);
        return spec;
    }

    private static PodIdentityAssociationSpec externalIdOnly(PodIdentityAssociationSpec spec) {
        spec.setExternalId("ext-123");
        return spec;
    }

    private static PodIdentityAssociationSpec disabled(PodIdentityAssociationSpec spec) {
        spec.setDisableSessionTags(true);
        return spec;
    }
}
