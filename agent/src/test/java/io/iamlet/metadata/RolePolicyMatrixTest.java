package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.audit.AuditEvent;
import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.pods.PodInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which role a pod gets on the metadata path: its annotation (or the default role), validated, then the namespace's
 * policy (kube2iam globs, kiam regex), anchored, deny by default. Each row is one pod in namespace {@code team-a}.
 */
class RolePolicyMatrixTest {

    private static final String BASE = "arn:aws:iam::123456789012:role/";
    private static final String ROLE = "iam.amazonaws.com/role";

    record Case(String name, String podRole, Map<String, String> namespace,
                UnaryOperator<MetadataSettings.Builder> settings, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case allowed(String name, String podRole, Map<String, String> ns, String arn) {
        return new Case(name, podRole, ns, b -> b, "allowed " + arn);
    }

    private static Case denied(String name, String podRole, Map<String, String> ns, String reason) {
        return new Case(name, podRole, ns, b -> b, "denied " + reason);
    }

    private static Map<String, String> globs(String json) {
        return Map.of(NamespacePolicy.ALLOWED_ROLES, json);
    }

    private static Map<String, String> regex(String regex) {
        return Map.of(NamespacePolicy.PERMITTED, regex);
    }

    static Stream<Case> matrix() {
        return Stream.of(
                allowed("glob on a role name", "app-reader", globs("[\"app-*\"]"), BASE + "app-reader"),
                allowed("glob on a full ARN", BASE + "app-reader", globs("[\"" + BASE + "app-*\"]"),
                        BASE + "app-reader"),
                allowed("name glob allows the same role given as an ARN", BASE + "app", globs("[\"app\"]"),
                        BASE + "app"),
                allowed("one of several globs", "db", globs("[\"app-*\", \"db\"]"), BASE + "db"),
                denied("single star stays within one path segment", "app-x/admin", globs("[\"app-*\"]"),
                        "namespace_policy_mismatch"),
                allowed("double star crosses path segments", "app-x/admin", globs("[\"app-**\"]"),
                        BASE + "app-x/admin"),
                denied("glob is anchored at the end", "app-reader-admin", globs("[\"app-reader\"]"),
                        "namespace_policy_mismatch"),
                denied("glob is anchored at the start", "x-app-reader", globs("[\"app-*\"]"),
                        "namespace_policy_mismatch"),
                denied("regex characters in a glob are literal", "app-reader", globs("[\"app.*\"]"),
                        "namespace_policy_mismatch"),
                allowed("regex on a role name", "app-reader", regex("app-.*"), BASE + "app-reader"),
                allowed("regex on a full ARN", "app-reader", regex("^arn:aws:iam::123456789012:role/app-.*$"),
                        BASE + "app-reader"),
                denied("anchored regex: role/app does not allow role/app-admin", "app-admin",
                        regex("arn:aws:iam::123456789012:role/app"), "namespace_policy_mismatch"),
                denied("anchored regex on a name: app does not allow app-admin", "app-admin", regex("app"),
                        "namespace_policy_mismatch"),
                denied("alternation stays anchored", "writer-admin", regex("reader|writer"),
                        "namespace_policy_mismatch"),
                allowed("alternation allows each branch", "writer", regex("reader|writer"), BASE + "writer"),
                denied("a name regex .* does not reach another account", "arn:aws:iam::999999999999:role/app",
                        regex(".*"), "namespace_policy_mismatch"),
                denied("a name glob does not reach another account", "arn:aws:iam::999999999999:role/app-reader",
                        globs("[\"app-*\"]"), "namespace_policy_mismatch"),
                denied("an ARN glob names its account", "arn:aws:iam::999999999999:role/app-reader",
                        globs("[\"" + BASE + "*\"]"), "namespace_policy_mismatch"),
                denied("a pathological regex is cut short and denies", "a".repeat(64), regex("(.*a){20}b"),
                        "namespace_policy_mismatch"),
                allowed("either annotation may allow", "db", Map.of(NamespacePolicy.ALLOWED_ROLES, "[\"app-*\"]",
                        NamespacePolicy.PERMITTED, "db"), BASE + "db"),
                denied("no namespace annotation denies", "app-reader", Map.of(), "namespace_no_policy"),
                denied("an empty glob list denies", "app-reader", globs("[]"), "namespace_no_policy"),
                denied("malformed JSON denies", "app-reader", globs("app-*"), "namespace_policy_invalid"),
                denied("an invalid regex denies", "app-reader", regex("app-("), "namespace_policy_invalid"),
                denied("dot-dot in a role name", "../admin", globs("[\"**\"]"), "invalid_role"),
                denied("dot-dot inside a role path", "app/../admin", globs("[\"**\"]"), "invalid_role"),
                denied("leading slash makes an empty segment", "/admin", globs("[\"**\"]"), "invalid_role"),
                denied("a newline inside the name", "app\nadmin", globs("[\"**\"]"), "invalid_role"),
                denied("an ARN of another service", "arn:aws:iam::123456789012:user/admin", globs("[\"**\"]"),
                        "invalid_role"),
                new Case("no role and no default role", null, globs("[\"**\"]"), b -> b, "none"),
                new Case("default role gets no bypass", null, Map.of(), b -> b.defaultRole("node-default"),
                        "denied namespace_no_policy"),
                new Case("default role allowed like any other", null, globs("[\"node-default\"]"),
                        b -> b.defaultRole("node-default"), "allowed " + BASE + "node-default"),
                new Case("a role name needs a base ARN", "app-reader", globs("[\"**\"]"), b -> b.baseRoleArn(null),
                        "denied no_base_arn"),
                new Case("without a base ARN name patterns match nothing", BASE + "app-reader", globs("[\"app-*\"]"),
                        b -> b.baseRoleArn(null), "denied namespace_policy_mismatch"),
                new Case("restrictions off: no namespace annotation needed", "app-reader", Map.of(),
                        b -> b.namespaceRestrictions(false), "allowed " + BASE + "app-reader"),
                new Case("restrictions off still validates the role", "../admin", Map.of(),
                        b -> b.namespaceRestrictions(false), "denied invalid_role"),
                new Case("--allowed-role-pattern applies before the namespace", "app-reader", globs("[\"**\"]"),
                        b -> b.allowedRoles(new RoleArnAllowList(List.of(BASE + "db-*"))), "denied role_not_allowed"),
                new Case("the annotation key is configurable", null, globs("[\"**\"]"),
                        b -> b.podRoleAnnotation("example.com/role"), "none"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    @Timeout(10) // a regex without its read budget would backtrack for hours
    void decidesTheRoleOfAPod(Case c) throws Exception {
        MetadataSettings settings = c.settings().apply(MetadataSettings.builder().baseRoleArn(BASE)).build();
        Map<String, String> annotations = new HashMap<>();
        if (c.podRole() != null) {
            annotations.put(ROLE, c.podRole());
        }
        PodInfo pod = FakePods.pod("team-a", "web", "10.0.0.7", annotations);
        NamespacePolicies namespaces = ns -> CompletableFuture.completedFuture(
                NamespacePolicy.fromAnnotations(ns.equals("team-a") ? c.namespace() : Map.of()));
        RoleDecider decider = new RoleDecider(new FakePods(), new RoleChoice(settings), namespaces, settings);

        String outcome = decider.decide(pod, new RoleDecider.Trail(AuditEvent.from("metadata", "10.0.0.7")))
                .handle((d, error) -> error != null
                        ? "denied " + Failure.find(error).map(Failure::reason).orElse(error.toString())
                        : d.roleArn() == null ? "none" : "allowed " + d.roleArn())
                .get(5, TimeUnit.SECONDS);

        assertThat(outcome).isEqualTo(c.expected());
    }

    @Test
    void refusalNamesTheRoleAndTheNamespaceButNotTheRawAnnotation() {
        MetadataSettings settings = MetadataSettings.builder().baseRoleArn(BASE).build();
        PodInfo pod = FakePods.pod("team-a", "web", "10.0.0.7", Map.of(ROLE, "app\u001b[31m"));
        RoleDecider decider = new RoleDecider(new FakePods(), new RoleChoice(settings),
                ns -> CompletableFuture.completedFuture(NamespacePolicy.fromAnnotations(Map.of())), settings);

        Throwable error = decider.decide(pod, new RoleDecider.Trail(AuditEvent.from("metadata", "10.0.0.7")))
                .handle((d, e) -> e).join();

        assertThat(Failure.find(error)).get().satisfies(f -> {
            assertThat(f.getMessage()).contains("team-a/web").doesNotContain("\u001b");
            assertThat(f.status()).isEqualTo(403);
        });

        pod = FakePods.pod("team-a", "web", "10.0.0.7", Map.of(ROLE, "app-reader"));
        error = decider.decide(pod, new RoleDecider.Trail(AuditEvent.from("metadata", "10.0.0.7")))
                .handle((d, e) -> e).join();
        assertThat(Failure.find(error)).get().satisfies(f -> assertThat(f.getMessage())
                .contains(BASE + "app-reader", "namespace team-a", NamespacePolicy.ALLOWED_ROLES));
    }
}
