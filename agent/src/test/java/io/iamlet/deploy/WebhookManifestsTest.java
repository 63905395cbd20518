package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.iamlet.deploy.WebhookObjects.Certificate;
import io.iamlet.deploy.WebhookObjects.MutatingWebhookConfiguration;
import io.iamlet.deploy.WebhookObjects.PodDisruptionBudget;
import io.iamlet.deploy.WebhookObjects.Webhook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admission webhook's installs (daemonset/webhook, and daemonset/webhook-cert-manager): they render and parse
 * strictly, the API server reaches the webhook's pods through the Service, the webhook configuration fails open and
 * never selects iamlet's own namespace or kube-system, two replicas survive a drain, and RBAC grants what the
 * webhook uses and nothing more (association status through its subresource only, and one Lease by name for the
 * replica that writes it).
 */
class WebhookManifestsTest {
    private static final String SELF_MANAGED = "daemonset/webhook";
    private static final String CERT_MANAGER = "daemonset/webhook-cert-manager";
    /** The webhook's defaults (io.iamlet.webhook.WebhookCommand) that the manifests rely on. */
    private static final String MUTATE_PATH = "/mutate";
    private static final String DEFAULT_TLS_SECRET = "iamlet-webhook-tls";
    private static final String DEFAULT_WEBHOOK_CONFIGURATION = "iamlet-webhook";
    private static final String DEFAULT_SERVICE_NAME = "iamlet-webhook";
    /** The Lease whose holder writes association status (WebhookCommand.STATUS_LEASE). */
    private static final String STATUS_LEASE = "iamlet-webhook-status";

    @ParameterizedTest
    @ValueSource(strings = {SELF_MANAGED, CERT_MANAGER})
    void serviceReachesTheWebhookContainersHttpsPort(String directory) {
        Install install = render(directory);
        Deployment deployment = install.one(Deployment.class);
        Service service = install.one(Service.class);
        Webhook webhook = webhook(install);

        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        var reference = webhook.clientConfig().service();
        assertThat(reference.name()).isEqualTo(service.getMetadata().getName()).isEqualTo(DEFAULT_SERVICE_NAME);
        assertThat(reference.namespace()).isEqualTo(service.getMetadata().getNamespace())
                .isEqualTo(deployment.getMetadata().getNamespace());
        assertThat(reference.path()).isEqualTo(MUTATE_PATH);
        var port = service.getSpec().getPorts().stream().filter(p -> p.getPort().equals(reference.port()))
                .findFirst().orElseThrow();
        assertThat(webhookContainer(deployment).getPorts())
                .anySatisfy(p -> assertThat(p.getName()).isEqualTo(port.getTargetPort().getStrVal()));
        assertThat(webhookContainer(deployment).getArgs()).containsExactly("webhook");
    }

    @ParameterizedTest
    @ValueSource(strings = {SELF_MANAGED, CERT_MANAGER})
    void webhookFailsOpenQuicklyForPodCreationOnlyAndNeverSelectsItsOwnNamespaceOrKubeSystem(String directory) {
        Install install = render(directory);
        Webhook webhook = webhook(install);
        String ownNamespace = install.one(Deployment.class).getMetadata().getNamespace();

        assertThat(webhook.failurePolicy()).isEqualTo("Ignore");
        assertThat(webhook.reinvocationPolicy()).isEqualTo("IfNeeded");
        assertThat(webhook.sideEffects()).isEqualTo("None");
        assertThat(webhook.admissionReviewVersions()).containsExactly("v1");
        assertThat(webhook.timeoutSeconds()).isBetween(1, 10);
        assertThat(webhook.rules()).singleElement().satisfies(rule -> {
            assertThat(rule.apiGroups()).containsExactly("");
            assertThat(rule.resources()).containsExactly("pods");
            assertThat(rule.operations()).containsExactly("CREATE");
        });
        assertThat(webhook.namespaceSelector().getMatchLabels()).isNullOrEmpty();
        List<LabelSelectorRequirement> expressions = webhook.namespaceSelector().getMatchExpressions();
        assertThat(expressions).anySatisfy(e -> {
            assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
            assertThat(e.getOperator()).isEqualTo("NotIn");
            assertThat(e.getValues()).contains(ownNamespace, "kube-system");
        });
        assertThat(webhook.objectSelector()).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {SELF_MANAGED, CERT_MANAGER})
    void twoReplicasSpreadOverNodesAndADrainLeavesOneServing(String directory) {
        Install install = render(directory);
        Deployment deployment = install.one(Deployment.class);
        PodDisruptionBudget budget = install.one(PodDisruptionBudget.class);

        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(budget.metadata().getNamespace()).isEqualTo(deployment.getMetadata().getNamespace());
        assertThat(budget.spec().minAvailable().getIntVal()).isEqualTo(1);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(budget.spec().selector().getMatchLabels());
        assertThat(pod(deployment).getTopologySpreadConstraints()).anySatisfy(
                c -> assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
    }

    @ParameterizedTest
    @ValueSource(strings = {SELF_MANAGED, CERT_MANAGER})
    void webhookRunsUnprivilegedWithAReadOnlyRoot(String directory) {
        Deployment deployment = render(directory).one(Deployment.class);
        PodSpec pod = pod(deployment);
        var container = webhookContainer(deployment).getSecurityContext();

        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(webhookContainer(deployment).getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
    }

    @Test
    void webhookLooksRolesUpWhereTheAgentDoesByDefault() {
        Deployment deployment = render(SELF_MANAGED).one(Deployment.class);

        assertThat(PodParts.env(webhookContainer(deployment), "IAMLET_ROLE_SOURCE").map(e -> e.getValue()))
                .as("the agent's --role-source default; the two must be set alike").hasValue("annotation");
    }

    @Test
    void injectedAudienceIsTheOneTheAgentAccepts() {
        Deployment deployment = render(SELF_MANAGED).one(Deployment.class);

        assertThat(PodParts.env(webhookContainer(deployment), "IAMLET_AUDIENCE").map(e -> e.getValue())).hasValue(CliContract.DEFAULT_AUDIENCE);
    }

    @Test
    void selfManagedCertificatesGetTheirSecretAndTheirWebhookConfigurationAndNothingElse() {
        Install install = render(SELF_MANAGED);
        String namespace = install.one(Deployment.class).getMetadata().getNamespace();
        String configuration = install.one(MutatingWebhookConfiguration.class).metadata().getName();

        assertThat(configuration).isEqualTo(DEFAULT_WEBHOOK_CONFIGURATION);
        assertThat(webhook(install).clientConfig().caBundle()).as("written by the webhook, not by kubectl").isNull();
        assertThat(grants(install)).isEqualTo(Map.of(
                "serviceaccounts", Set.of("get"),
                "iamlet.io/podidentityassociations", Set.of("list", "watch"),
                "iamlet.io/podidentityassociations/status", Set.of("update"),
                "coordination.k8s.io/leases in " + namespace, Set.of("create"),
                "coordination.k8s.io/leases in " + namespace + " named " + STATUS_LEASE, Set.of("get", "update"),
                "secrets in " + namespace, Set.of("create"),
                "secrets in " + namespace + " named " + DEFAULT_TLS_SECRET, Set.of("get", "update"),
                "admissionregistration.k8s.io/mutatingwebhookconfigurations named " + configuration,
                Set.of("get", "update")));
        assertBoundOnlyToTheWebhook(install);
    }

    @Test
    void certManagerInstallServesTheCertificatesSecretAndGrantsNoCertificateRights() {
        Install install = render(CERT_MANAGER);
        Deployment deployment = install.one(Deployment.class);
        Certificate certificate = install.one(Certificate.class);
        MutatingWebhookConfiguration configuration = install.one(MutatingWebhookConfiguration.class);
        String namespace = deployment.getMetadata().getNamespace();

        assertThat(grants(install)).isEqualTo(Map.of("serviceaccounts", Set.of("get"),
                "iamlet.io/podidentityassociations", Set.of("list", "watch"),
                "iamlet.io/podidentityassociations/status", Set.of("update"),
                "coordination.k8s.io/leases in " + namespace, Set.of("create"),
                "coordination.k8s.io/leases in " + namespace + " named " + STATUS_LEASE, Set.of("get", "update")));
        assertBoundOnlyToTheWebhook(install);
        assertThat(certificate.spec().dnsNames()).contains(DEFAULT_SERVICE_NAME + "." + namespace + ".svc");
        assertThat(configuration.metadata().getAnnotations()).containsEntry("cert-manager.io/inject-ca-from",
                certificate.metadata().getNamespace() + "/" + certificate.metadata().getName());
        var volume = pod(deployment).getVolumes().stream()
                .filter(v -> v.getSecret() != null && certificate.spec().secretName().equals(v.getSecret().getSecretName()))
                .findFirst().orElseThrow();
        Container container = webhookContainer(deployment);
        var mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName()))
                .findFirst().orElseThrow();
        assertThat(PodParts.env(container, "IAMLET_TLS_CERT_FILE").map(e -> e.getValue())).hasValue(mount.getMountPath() + "/tls.crt");
        assertThat(PodParts.env(container, "IAMLET_TLS_KEY_FILE").map(e -> e.getValue())).hasValue(mount.getMountPath() + "/tls.key");
    }

    /** Every rule of every Role and ClusterRole, as "[group/]resource[ in namespace][ named name]" -> verbs. */
    private static Map<String, Set<String>> grants(Install install) {
        Map<String, Set<String>> granted = new TreeMap<>();
        List<Map.Entry<String, PolicyRule>> rules = new ArrayList<>();
        install.all(ClusterRole.class).forEach(r -> r.getRules().forEach(rule -> rules.add(Map.entry("", rule))));
        install.all(Role.class).forEach(r -> r.getRules().forEach(
                rule -> rules.add(Map.entry(" in " + r.getMetadata().getNamespace(), rule))));
        for (var entry : rules) {
            PolicyRule rule = entry.getValue();
            assertThat(PodParts.list(rule.getNonResourceURLs())).isEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    List<String> names = PodParts.list(rule.getResourceNames());
                    for (String name : names.isEmpty() ? List.of("") : names) {
                        String key = (group.isEmpty() ? "" : group + "/") + resource + entry.getKey()
                                + (name.isEmpty() ? "" : " named " + name);
                        granted.computeIfAbsent(key, k -> new TreeSet<>()).addAll(rule.getVerbs());
                    }
                }
            }
        }
        return granted;
    }

    private static void assertBoundOnlyToTheWebhook(Install install) {
        Deployment deployment = install.one(Deployment.class);
        Subject expected = new Subject(null, "ServiceAccount", pod(deployment).getServiceAccountName(),
                deployment.getMetadata().getNamespace());
        Set<String> roles = new TreeSet<>();
        install.all(ClusterRole.class).forEach(r -> roles.add("ClusterRole/" + r.getMetadata().getName()));
        install.all(Role.class).forEach(r -> roles.add("Role/" + r.getMetadata().getName()));
        Set<String> bound = new TreeSet<>();
        for (ClusterRoleBinding binding : install.all(ClusterRoleBinding.class)) {
            assertThat(binding.getSubjects()).containsExactly(expected);
            bound.add(binding.getRoleRef().getKind() + "/" + binding.getRoleRef().getName());
        }
        for (RoleBinding binding : install.all(RoleBinding.class)) {
            assertThat(binding.getSubjects()).containsExactly(expected);
            bound.add(binding.getRoleRef().getKind() + "/" + binding.getRoleRef().getName());
        }
        assertThat(bound).isEqualTo(roles);
    }

    private static Webhook webhook(Install install) {
        List<Webhook> webhooks = install.one(MutatingWebhookConfiguration.class).webhooks();
        assertThat(webhooks).hasSize(1);
        return webhooks.getFirst();
    }

    private static PodSpec pod(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec();
    }

    private static Container webhookContainer(Deployment deployment) {
        return pod(deployment).getContainers().stream().filter(c -> c.getName().equals("webhook")).findFirst()
                .orElseThrow();
    }

    private static Install render(String directory) {
        return StrictManifests.parse(Kustomize.render(directory));
    }
}
