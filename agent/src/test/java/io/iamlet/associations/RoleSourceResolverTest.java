package io.iamlet.associations;

import static io.iamlet.associations.Fixtures.ACCOUNT;
import static io.iamlet.associations.Fixtures.association;
import static io.iamlet.associations.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.identity.RoleResolver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RoleSourceResolverTest {

    private static final String ANNOTATED = ACCOUNT + "from-annotation";
    private static final String TARGET = "arn:aws:iam::444455556666:role/target";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Service accounts asked of the annotation resolver. */
    private final List<String> annotationLookups = new ArrayList<>();
    /** team/app and team/web are annotated; others have no annotation. */
    private final RoleResolver annotations = (ns, sa) -> {
        annotationLookups.add(ns + "/" + sa);
        return ns.equals("team") && (sa.equals("app") || sa.equals("web"))
                ? CompletableFuture.completedFuture(ANNOTATED)
                : CompletableFuture.failedFuture(new Failure.Denied("no_role_annotation", "no annotation"));
    };

    private final Associations associations = Fixtures.fixed(List.of(
            association("team-app", "team", "app", "from-association"),
            association("ties-1", "tie", "*", "one"),
            association("ties-2", "tie", "*", "two"),
            association("broken", "broken", "app", "arn:aws:iam::1:role/x"),
            association("outside", "outside", "app", "arn:aws:iam::999999999999:role/x"),
            association("cross", chained(spec("cross", "app", ACCOUNT + "source")))));

    private RoleSourceResolver resolver(RoleSource source) {
        return new RoleSourceResolver(source, annotations, associations,
                new RoleArnAllowList(List.of(ACCOUNT + "*", "arn:aws:iam::444455556666:role/*")), registry);
    }

    @Test
    void annotationModeIgnoresAssociations() {
        var resolver = new RoleSourceResolver(RoleSource.ANNOTATION, annotations, null, RoleArnAllowList.allowAll(),
                registry);
        assertThat(resolver.roleArnFor("team", "app").join()).isEqualTo(ANNOTATED);
        assertThat(resolver.grantFor("team", "app").join()).isEqualTo(RoleGrant.fromAnnotation(ANNOTATED));
        assertThat(denial(resolver.roleArnFor("cross", "app")).reason()).isEqualTo("no_role_annotation");
    }

    @Test
    void associationModeIgnoresTheAnnotation() {
        var resolver = resolver(RoleSource.ASSOCIATION);
        assertThat(resolver.roleArnFor("team", "app").join()).isEqualTo(ACCOUNT + "from-association");

        Failure denied = denial(resolver.roleArnFor("team", "web"));
        assertThat(denied).isInstanceOf(Failure.Denied.class);
        assertThat(denied.reason()).isEqualTo("no_association");
        assertThat(denied.getMessage()).contains("team/web");
        assertThat(annotationLookups).isEmpty();
    }

    @Test
    void bothPrefersTheAssociationAndFallsBackToTheAnnotation() {
        var resolver = resolver(RoleSource.BOTH);
        assertThat(resolver.grantFor("team", "app").join().source()).isEqualTo(RoleGrant.ASSOCIATION);
        assertThat(resolver.roleArnFor("team", "app").join()).isEqualTo(ACCOUNT + "from-association");
        assertThat(annotationLookups).isEmpty();

        assertThat(resolver.grantFor("team", "web").join()).isEqualTo(RoleGrant.fromAnnotation(ANNOTATED));
        assertThat(resolver.roleArnFor("team", "web").join()).isEqualTo(ANNOTATED);
        assertThat(denial(resolver.roleArnFor("team", "other")).reason()).isEqualTo("no_role_annotation");
    }

    @ParameterizedTest
    @EnumSource(value = RoleSource.class, names = {"ASSOCIATION", "BOTH"})
    void tieIsDeniedNamingBothAssociations(RoleSource source) {
        Failure denied = denial(resolver(source).roleArnFor("tie", "app"));
        assertThat(denied).isInstanceOf(Failure.Denied.class);
        assertThat(denied.reason()).isEqualTo("association_tie");
        assertThat(denied.getMessage()).contains("ties-1", "ties-2", "tie/app");
        assertThat(annotationLookups).as("a matching association is final, even when it denies").isEmpty();
        assertThat(registry.get("iamlet.role.resolutions").tag("outcome", "denied").tag("reason", "association_tie")
                .counter().count()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = RoleSource.class, names = {"ASSOCIATION", "BOTH"})
    void invalidAssociationIsDeniedNotSkipped(RoleSource source) {
        Failure denied = denial(resolver(source).roleArnFor("broken", "app"));
        assertThat(denied.reason()).isEqualTo("invalid_association");
        assertThat(denied.getMessage()).contains("broken", "roleArn");
    }

    @Test
    void associationRolesPassTheAllowList() {
        Failure denied = denial(resolver(RoleSource.BOTH).roleArnFor("outside", "app"));
        assertThat(denied.reason()).isEqualTo("role_not_allowed");
        assertThat(denied.getMessage()).contains("outside", "--allowed-role-pattern");

        var narrow = new RoleSourceResolver(RoleSource.ASSOCIATION, null, associations,
                new RoleArnAllowList(List.of(ACCOUNT + "*")), registry);
        assertThat(denial(narrow.grantFor("cross", "app")).getMessage()).as("the target role too")
                .contains(TARGET);
    }

    @Test
    void grantExposesTheChainAndTheArnOnlyPathNamesTheTargetRole() {
        var resolver = resolver(RoleSource.ASSOCIATION);
        RoleGrant grant = resolver.grantFor("cross", "app").join();
        assertThat(grant.roleArn()).isEqualTo(ACCOUNT + "source");
        assertThat(grant.targetRoleArn()).contains(TARGET);
        assertThat(grant.externalId()).contains("ext-1");
        assertThat(grant.sessionTags()).isEqualTo(Map.of());

        assertThat(resolver.roleArnFor("cross", "app").join()).as("the role the pods end up with")
                .isEqualTo(TARGET);
    }

    @ParameterizedTest
    @EnumSource(value = RoleSource.class, names = {"ASSOCIATION", "BOTH"})
    void notYetListedAssociationsAreRetryableAndNeverFallBack(RoleSource source) {
        Associations unsynced = (ns, sa) -> CompletableFuture.failedFuture(
                new Failure.NotYetKnown("associations_not_synced", "retry"));
        var resolver = new RoleSourceResolver(source, annotations, unsynced, RoleArnAllowList.allowAll(), registry);
        Failure failure = denial(resolver.roleArnFor("team", "web"));
        assertThat(failure).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(failure.transientFailure()).isTrue();
        assertThat(annotationLookups).isEmpty();
    }

    @Test
    void refusesNamesThatAreNotKubernetesNames() {
        assertThat(denial(resolver(RoleSource.BOTH).roleArnFor("team", "App\n")).reason())
                .isEqualTo("invalid_service_account");
        assertThat(annotationLookups).isEmpty();
    }

    @Test
    void countsAssociationOutcomes() {
        var resolver = resolver(RoleSource.ASSOCIATION);
        resolver.roleArnFor("team", "app").join();
        denial(resolver.roleArnFor("nobody", "app"));
        assertThat(registry.get("iamlet.role.resolutions").tag("outcome", "allowed")
                .tag("reason", "association_found").counter().count()).isEqualTo(1);
        assertThat(registry.get("iamlet.role.resolutions").tag("outcome", "denied")
                .tag("reason", "no_association").counter().count()).isEqualTo(1);
    }

    @Test
    void roleSourceFlagValues() {
        assertThat(RoleSource.of("Association")).isEqualTo(RoleSource.ASSOCIATION);
        assertThat(RoleSource.BOTH).hasToString("both");
        assertThat(RoleSource.ANNOTATION.usesAssociations()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoleSource.of("crd"))
                .hasMessageContaining("--role-source");
    }

    private static PodIdentityAssociationSpec chained(PodIdentityAssociationSpec spec) {
        spec.setTargetRoleArn(TARGET);
        spec.setExternalId("ext-1");
        return spec;
    }

    private static Failure denial(CompletableFuture<?> future) {
        try {
            future.join();
        } catch (CompletionException e) {
            return Failure.find(e).orElseThrow(() -> new AssertionError("not a Failure", e));
        }
        throw new AssertionError("expected a failure, got " + future.join());
    }
}
