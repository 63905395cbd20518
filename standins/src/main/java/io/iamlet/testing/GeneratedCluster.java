package io.iamlet.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * The objects of a {@link ClusterScale}: namespaces {@code scale-ns-<i>}, service accounts {@code scale-sa-<i>} and
 * running pods {@code scale-pod-<i>}, each a pure function of its index, built only when a request asks for it. So
 * the stand-in holds a 50,000-pod cluster in no memory and with no start-up work, where creating the objects in the
 * fabric8 CRUD mock took minutes (each create scans the whole store).
 *
 * <p>Namespaces cycle through the policy annotations iamlet's metadata path reads (allowed-roles only, permitted
 * only, both, none). Service accounts and pods spread round-robin over the generated namespaces ({@code default}
 * when there are none); three service accounts in four name a role. Pods run 110 to a node on nodes
 * {@code scale-node-<k>}, never the stand-ins' own node, and use a service account of their own namespace.
 * Generated objects never change; their {@code resourceVersion} is 1.
 */
final class GeneratedCluster {

    /** The kinds the generator makes, with their API path segment and list kind. */
    enum Kind {
        PODS("pods", "PodList", "scale-pod-"),
        NAMESPACES("namespaces", "NamespaceList", "scale-ns-"),
        SERVICE_ACCOUNTS("serviceaccounts", "ServiceAccountList", "scale-sa-");

        final String plural;
        final String listKind;
        final String prefix;

        Kind(String plural, String listKind, String prefix) {
            this.plural = plural;
            this.listKind = listKind;
            this.prefix = prefix;
        }
    }

    static final int PODS_PER_NODE = 110;
    /** The namespace policy annotations iamlet's metadata path reads (its NamespacePolicy). */
    static final String ALLOWED_ROLES = "iam.amazonaws.com/allowed-roles";
    static final String PERMITTED = "iam.amazonaws.com/permitted";
    private static final String ACCOUNT = "111122223333";
    private static final String CREATED = "2026-01-01T00:00:00Z";

    private static final int POD_FIELDS = 11;

    private final ClusterScale scale;
    private final String node;
    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final JsonTemplate podTemplate = new JsonTemplate(POD_FIELDS, f -> serialization.asJson(pod(f)));

    /** @param node the stand-ins' own node, which no generated pod is on */
    GeneratedCluster(ClusterScale scale, String node) {
        this.scale = scale;
        this.node = node;
    }

    ClusterScale scale() {
        return scale;
    }

    int count(Kind kind) {
        return switch (kind) {
            case PODS -> scale.pods();
            case NAMESPACES -> scale.namespaces();
            case SERVICE_ACCOUNTS -> scale.serviceAccounts();
        };
    }

    String name(Kind kind, int i) {
        return kind.prefix + i;
    }

    /** The namespace of object {@code i} of a namespaced kind; null for namespaces. */
    String namespace(Kind kind, int i) {
        return kind == Kind.NAMESPACES ? null
                : scale.namespaces() == 0 ? "default" : name(Kind.NAMESPACES, i % scale.namespaces());
    }

    String podNode(int i) {
        String name = "scale-node-" + i / PODS_PER_NODE;
        return name.equals(node) ? name + "-other" : name;
    }

    /** The index of the generated object called {@code name}, if there is one. */
    OptionalInt index(Kind kind, String name) {
        if (name == null || !name.startsWith(kind.prefix)) {
            return OptionalInt.empty();
        }
        String digits = name.substring(kind.prefix.length());
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)
                || digits.length() > 1 && digits.charAt(0) == '0') {
            return OptionalInt.empty();
        }
        int i = Integer.parseInt(digits);
        return i < count(kind) ? OptionalInt.of(i) : OptionalInt.empty();
    }

    /** The object's JSON, as the API server would answer it. */
    String json(Kind kind, int i) {
        return kind == Kind.PODS ? podTemplate.render(podFields(i)) : serialization.asJson(build(kind, i));
    }

    HasMetadata build(Kind kind, int i) {
        return switch (kind) {
            case PODS -> pod(i);
            case NAMESPACES -> namespace(i);
            case SERVICE_ACCOUNTS -> serviceAccount(i);
        };
    }

    Namespace namespace(int i) {
        String name = name(Kind.NAMESPACES, i);
        var meta = new NamespaceBuilder().withNewMetadata().withName(name).withUid(uid(name)).withResourceVersion("1")
                .withCreationTimestamp(CREATED)
                .addToLabels("kubernetes.io/metadata.name", name)
                .addToLabels("team", "team-" + i % 50)
                .addToLabels("environment", i % 3 == 0 ? "staging" : "production")
                .addToAnnotations("owner", "team-" + i % 50 + "@example.com");
        String roles = "arn:aws:iam::" + ACCOUNT + ":role/" + name + "-";
        if (i % 4 == 0 || i % 4 == 2) {
            meta.addToAnnotations(ALLOWED_ROLES, "[\"" + roles + "*\",\"shared-reader\"]");
        }
        if (i % 4 == 1 || i % 4 == 2) {
            meta.addToAnnotations(PERMITTED, roles + ".*");
        }
        return meta.endMetadata().withNewSpec().withFinalizers("kubernetes").endSpec()
                .withNewStatus().withPhase("Active").endStatus().build();
    }

    ServiceAccount serviceAccount(int i) {
        String name = name(Kind.SERVICE_ACCOUNTS, i);
        String namespace = namespace(Kind.SERVICE_ACCOUNTS, i);
        var meta = new ServiceAccountBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withUid(uid(namespace + "/" + name)).withResourceVersion("1").withCreationTimestamp(CREATED)
                .addToLabels("app.kubernetes.io/name", name)
                .addToLabels("app.kubernetes.io/managed-by", "Helm");
        if (i % 4 != 3) {
            meta.addToAnnotations("eks.amazonaws.com/role-arn", "arn:aws:iam::" + ACCOUNT + ":role/" + name);
        }
        return meta.endMetadata().build();
    }

    /** The strings in which generated pods differ, in {@link #podTemplate}'s field order. */
    private String[] podFields(int i) {
        String name = name(Kind.PODS, i);
        String namespace = namespace(Kind.PODS, i);
        String app = "app-" + i % 40;
        return new String[] {name, namespace, app, uid(namespace + "/" + name), uid(namespace + "/" + app), podNode(i),
                podServiceAccount(i), ipv4(100 << 24 | 64 << 16, i + 1),
                ipv4(10 << 24 | 250 << 16, i / PODS_PER_NODE + 1), "registry.example/" + app + ":1." + i % 7,
                "containerd://" + uid(name).replace("-", "")};
    }

    Pod pod(int i) {
        return pod(podFields(i));
    }

    private static Pod pod(String[] f) {
        String name = f[0];
        String namespace = f[1];
        String app = f[2];
        String ip = f[7];
        String hostIp = f[8];
        String image = f[9];
        String token = "/var/run/secrets/kubernetes.io/serviceaccount";
        return new PodBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).withGenerateName(app + "-")
                .withUid(f[3]).withResourceVersion("1").withCreationTimestamp(CREATED)
                .addToLabels("app", app).addToLabels("pod-template-hash", "7d9c8b5f4")
                .addToLabels("app.kubernetes.io/part-of", namespace)
                .addToAnnotations("kubectl.kubernetes.io/restartedAt", CREATED)
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName(app + "-7d9c8b5f4")
                .withUid(f[4]).withController(true).withBlockOwnerDeletion(true)
                .endOwnerReference()
                .endMetadata()
                .withNewSpec().withNodeName(f[5]).withServiceAccountName(f[6])
                .withRestartPolicy("Always").withDnsPolicy("ClusterFirst").withSchedulerName("default-scheduler")
                .withTerminationGracePeriodSeconds(30L).withPriority(0).withEnableServiceLinks(true)
                .addNewContainer().withName("app").withImage(image).withImagePullPolicy("IfNotPresent")
                .addNewPort().withName("http").withContainerPort(8080).withProtocol("TCP").endPort()
                .addNewEnv().withName("APP_NAME").withValue(app).endEnv()
                .addNewEnv().withName("AWS_REGION").withValue("eu-west-1").endEnv()
                .withNewResources().withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("128Mi")))
                .withLimits(Map.of("memory", new Quantity("256Mi"))).endResources()
                .addNewVolumeMount().withName("kube-api-access").withMountPath(token).withReadOnly(true)
                .endVolumeMount()
                .withTerminationMessagePath("/dev/termination-log").withTerminationMessagePolicy("File")
                .endContainer()
                .addNewVolume().withName("kube-api-access").withNewProjected().withDefaultMode(420)
                .addNewSource().withNewServiceAccountToken().withExpirationSeconds(3607L).withPath("token")
                .endServiceAccountToken().endSource()
                .endProjected().endVolume()
                .addNewToleration().withKey("node.kubernetes.io/not-ready").withOperator("Exists")
                .withEffect("NoExecute").withTolerationSeconds(300L).endToleration()
                .addNewToleration().withKey("node.kubernetes.io/unreachable").withOperator("Exists")
                .withEffect("NoExecute").withTolerationSeconds(300L).endToleration()
                .endSpec()
                .withNewStatus().withPhase("Running").withQosClass("Burstable").withHostIP(hostIp)
                .withPodIP(ip).addNewPodIP(ip).withStartTime(CREATED)
                .addNewCondition().withType("Initialized").withStatus("True").withLastTransitionTime(CREATED).endCondition()
                .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(CREATED).endCondition()
                .addNewCondition().withType("ContainersReady").withStatus("True").withLastTransitionTime(CREATED)
                .endCondition()
                .addNewCondition().withType("PodScheduled").withStatus("True").withLastTransitionTime(CREATED)
                .endCondition()
                .addNewContainerStatus().withName("app").withImage(image).withImageID(image + "@sha256:" + "0".repeat(64))
                .withContainerID(f[10]).withReady(true).withStarted(true)
                .withRestartCount(0).withNewState().withNewRunning().withStartedAt(CREATED).endRunning().endState()
                .endContainerStatus()
                .endStatus()
                .build();
    }

    /** A service account in the pod's own namespace (service account j is in namespace j mod N), else default. */
    private String podServiceAccount(int i) {
        int accounts = scale.serviceAccounts();
        int namespaces = scale.namespaces();
        if (accounts == 0) {
            return "default";
        }
        if (namespaces == 0) {
            return name(Kind.SERVICE_ACCOUNTS, i % accounts);
        }
        int n = i % namespaces;
        if (n >= accounts) {
            return "default";
        }
        int inNamespace = (accounts - n + namespaces - 1) / namespaces;
        return name(Kind.SERVICE_ACCOUNTS, n + namespaces * (i / namespaces % inNamespace));
    }

    private static String uid(String key) {
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String ipv4(int base, int offset) {
        int v = base + offset;
        return (v >>> 24) + "." + (v >>> 16 & 255) + "." + (v >>> 8 & 255) + "." + (v & 255);
    }
}
