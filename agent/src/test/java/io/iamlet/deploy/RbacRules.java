package io.iamlet.deploy;

import static io.iamlet.deploy.PodParts.list;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Least privilege: the ClusterRole grants exactly what the agent uses (more fails, and so does less, which would
 * break the agent at run time), never a wildcard or secrets, and is bound to the agent's account only.
 */
final class RbacRules {
    /** Resource ("group/resource", core group without prefix) or non-resource URL, to the verbs the agent needs. */
    static final Map<String, Set<String>> NEEDED = Map.of(
            "pods", Set.of("get", "list", "watch"),
            "serviceaccounts", Set.of("get"),
            "namespaces", Set.of("get", "list", "watch"),
            "events", Set.of("create", "patch"),
            "iamlet.io/podidentityassociations", Set.of("get", "list", "watch"),
            "/.well-known/openid-configuration", Set.of("get"),
            "/openid/v1/jwks", Set.of("get"));

    private RbacRules() {}

    static void check(Install install, Violations v) {
        List<ClusterRole> roles = install.all(ClusterRole.class);
        v.require(roles.size() == 1, "the install must have exactly one ClusterRole, found %d", roles.size());
        if (roles.size() != 1) {
            return;
        }
        ClusterRole role = roles.getFirst();
        String name = role.getMetadata().getName();
        Map<String, Set<String>> granted = new TreeMap<>();
        for (PolicyRule rule : list(role.getRules())) {
            v.require(Stream.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs(), rule.getNonResourceURLs(),
                            rule.getResourceNames()).flatMap(l -> list(l).stream()).noneMatch(s -> s.contains("*")),
                    "ClusterRole %s uses a wildcard: %s", name, rule);
            v.require(list(rule.getResources()).stream()
                            .noneMatch(r -> r.equals("secrets") || r.startsWith("secrets/")),
                    "ClusterRole %s grants access to secrets", name);
            for (String group : list(rule.getApiGroups())) {
                for (String resource : list(rule.getResources())) {
                    String key = group.isEmpty() ? resource : group + "/" + resource;
                    granted.computeIfAbsent(key, k -> new TreeSet<>()).addAll(list(rule.getVerbs()));
                }
            }
            for (String url : list(rule.getNonResourceURLs())) {
                granted.computeIfAbsent(url, k -> new TreeSet<>()).addAll(list(rule.getVerbs()));
            }
        }
        granted.forEach((what, verbs) -> v.require(NEEDED.getOrDefault(what, Set.of()).containsAll(verbs),
                "ClusterRole %s grants %s on %s; the agent needs only %s",
                name, verbs, what, new TreeSet<>(NEEDED.getOrDefault(what, Set.of()))));
        NEEDED.forEach((what, verbs) -> v.require(granted.getOrDefault(what, Set.of()).containsAll(verbs),
                "ClusterRole %s must grant %s on %s, which the agent uses", name, new TreeSet<>(verbs), what));
        binding(install, name, v);
    }

    private static void binding(Install install, String role, Violations v) {
        PodSpec pod = install.daemonSet().getSpec().getTemplate().getSpec();
        String namespace = install.daemonSet().getMetadata().getNamespace();
        List<ClusterRoleBinding> bindings = install.all(ClusterRoleBinding.class);
        v.require(bindings.size() == 1, "the install must have exactly one ClusterRoleBinding, found %d",
                bindings.size());
        for (ClusterRoleBinding binding : bindings) {
            v.require("ClusterRole".equals(binding.getRoleRef().getKind())
                            && role.equals(binding.getRoleRef().getName()),
                    "ClusterRoleBinding %s must refer to ClusterRole %s", binding.getMetadata().getName(), role);
            List<Subject> subjects = list(binding.getSubjects());
            v.require(subjects.size() == 1 && "ServiceAccount".equals(subjects.getFirst().getKind())
                            && pod.getServiceAccountName().equals(subjects.getFirst().getName())
                            && namespace.equals(subjects.getFirst().getNamespace()),
                    "ClusterRoleBinding %s must bind only ServiceAccount %s/%s, bound %s",
                    binding.getMetadata().getName(), namespace, pod.getServiceAccountName(), subjects);
        }
    }
}
