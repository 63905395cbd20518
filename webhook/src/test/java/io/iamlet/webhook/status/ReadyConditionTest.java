package io.iamlet.webhook.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.iamlet.associations.AssociationReview;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.associations.PodIdentityAssociationSpec;
import io.iamlet.identity.RoleArnAllowList;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the Ready condition says of a set of associations, without a server: the agent's rules, per association. */
class ReadyConditionTest {

    private static final String ROLE = "arn:aws:iam::111122223333:role/";
    private static final RoleArnAllowList ALLOW_ALL = RoleArnAllowList.allowAll();

    @ParameterizedTest(name = "{0} vs {1}: tie={2}")
    @CsvSource({
            "team-*, *-prod, true",      // equally specific globs that both match team-x-prod
            "team-*, infra*, false",     // equally specific, but no namespace matches both
            "shop, shop, true",
            "shop, shop2, false",
            "team-*, *, false",          // the longer glob is more specific: it wins, no tie
            "*-a-*, *-b-*, true",        // x-a-b-y: the two literal pieces may share a character
            "a*b, *bc, false",           // one ends in b, the other in c
            "ab*, *ba, true",            // aba
    })
    void equallySpecificOverlappingAssociationsThatGrantDifferentRolesTie(String first, String second,
                                                                          boolean tie) {
        Map<String, ReadyCondition> ready = ready(ALLOW_ALL,
                association("first", first, "app", s -> s.setRoleArn(ROLE + "one")),
                association("second", second, "app", s -> s.setRoleArn(ROLE + "two")));

        assertThat(ready.get("first").reason()).isEqualTo(tie ? "Tie" : "Valid");
        assertThat(ready.get("second").reason()).isEqualTo(tie ? "Tie" : "Valid");
        if (tie) {
            assertThat(ready.get("first").message()).contains("second");
            assertThat(ready.get("second").message()).contains("first");
        }
    }

    @Test
    void associationsThatGrantExactlyTheSameDoNotTie() {
        Map<String, ReadyCondition> ready = ready(ALLOW_ALL,
                association("old", "shop", "web", s -> s.setRoleArn(ROLE + "web")),
                association("new", "shop", "web", s -> s.setRoleArn(ROLE + "web")));

        assertThat(ready.values()).extracting(ReadyCondition::status).containsOnly("True");
    }

    @Test
    void aValidAssociationTiedWithAnInvalidOneIsNotReady() {
        Map<String, ReadyCondition> ready = ready(ALLOW_ALL,
                association("good", "shop", "web", s -> s.setRoleArn(ROLE + "web")),
                association("broken", "shop", "web", s -> s.setRoleArn("arn:aws:iam::1:role/x")));

        assertThat(ready.get("broken").reason()).isEqualTo("InvalidRoleArn");
        assertThat(ready.get("good").reason()).isEqualTo("Tie");
    }

    @Test
    void reasonsNameWhatIsWrongAndNeverEchoTheExternalId() {
        Map<String, ReadyCondition> ready = ready(new RoleArnAllowList(List.of(ROLE + "*")),
                association("no-target", "a", "a", s -> {
                    s.setRoleArn(ROLE + "hop");
                    s.setExternalId("s3cret-id");
                }),
                association("no-source", "b", "b", s -> s.setTargetRoleArn(ROLE + "target")),
                association("bad-target", "c", "c", s -> {
                    s.setRoleArn(ROLE + "hop");
                    s.setTargetRoleArn("arn:aws:iam::444455556666:user/x");
                }),
                association("target-outside", "d", "d", s -> {
                    s.setRoleArn(ROLE + "hop");
                    s.setTargetRoleArn("arn:aws:iam::444455556666:role/target");
                    s.setExternalId("s3cret-id");
                }),
                association("bad-pattern", "Shop_", "e", s -> s.setRoleArn(ROLE + "e")));

        assertThat(ready).extractingFromEntries(e -> e.getKey() + "=" + e.getValue().reason()).containsExactlyInAnyOrder(
                "no-target=ExternalIdWithoutTarget", "no-source=TargetWithoutSource",
                "bad-target=InvalidTargetRoleArn", "target-outside=RoleNotAllowed", "bad-pattern=InvalidPattern");
        assertThat(ready.values()).allSatisfy(c -> {
            assertThat(c.status()).isEqualTo("False");
            assertThat(c.message()).doesNotContain("s3cret-id");
        });
        assertThat(ready.get("target-outside").message()).contains("targetRoleArn", "--allowed-role-pattern");
    }

    @Test
    void theConditionIsRewrittenOnlyWhenItOrTheGenerationChangedAndKeepsItsTransitionTimeWhileTheStatusHolds() {
        PodIdentityAssociation object = association("web", "shop", "web", s -> s.setRoleArn(ROLE + "web"));
        object.getMetadata().setGeneration(3L);
        ReadyCondition valid = ready(ALLOW_ALL, object).get("web");
        assertThat(valid.writtenIn(object)).as("no status yet").isFalse();

        object.setStatus(valid.applyTo(object, Instant.parse("2026-01-01T00:00:00Z")));
        assertThat(valid.writtenIn(object)).isTrue();
        object.getStatus().getConditions().add(new ConditionBuilder().withType("Other").withStatus("True").build());
        ReadyCondition reworded = new ReadyCondition("True", "Valid", "another message");
        assertThat(reworded.writtenIn(object)).isFalse();
        var rewritten = reworded.applyTo(object, Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(rewritten.getConditions()).extracting(c -> c.getType() + " " + c.getLastTransitionTime())
                .containsExactlyInAnyOrder("Other null", "Ready 2026-01-01T00:00:00Z");

        object.getMetadata().setGeneration(4L);
        assertThat(valid.writtenIn(object)).as("a new generation is described anew").isFalse();
        var flipped = new ReadyCondition("False", "Tie", "ties").applyTo(object, Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(flipped.getObservedGeneration()).isEqualTo(4L);
        assertThat(flipped.getConditions()).filteredOn(c -> c.getType().equals("Ready"))
                .singleElement().satisfies(c -> {
                    assertThat(c.getLastTransitionTime()).isEqualTo("2026-03-01T00:00:00Z");
                    assertThat(c.getObservedGeneration()).isEqualTo(4L);
                });
    }

    private static Map<String, ReadyCondition> ready(RoleArnAllowList allowList, PodIdentityAssociation... objects) {
        return AssociationReview.review(Arrays.asList(objects)).values().stream().collect(Collectors.toMap(
                AssociationReview.Verdict::name, v -> ReadyCondition.of(v, allowList)));
    }

    private static PodIdentityAssociation association(String name, String namespace, String serviceAccount,
                                                      Consumer<PodIdentityAssociationSpec> fill) {
        var spec = new PodIdentityAssociationSpec();
        spec.setNamespace(namespace);
        spec.setServiceAccount(serviceAccount);
        fill.accept(spec);
        var object = new PodIdentityAssociation();
        var meta = new ObjectMeta();
        meta.setName(name);
        object.setMetadata(meta);
        object.setSpec(spec);
        return object;
    }
}
