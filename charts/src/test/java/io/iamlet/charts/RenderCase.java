package io.iamlet.charts;

import io.iamlet.deploy.InstallValidator.Mode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of the chart's render table: values given to {@code helm template} (on top of values.yaml) and the mode
 * the install rules check the result against.
 */
record RenderCase(String name, Mode mode, Map<String, Object> values) {

    @Override
    public String toString() {
        return name;
    }

    /** Values with the Namespace object rendered: the install rules want it part of the install. */
    static Map<String, Object> withNamespace(Map<String, Object> values) {
        Map<String, Object> all = new LinkedHashMap<>(values);
        all.put("namespace", Map.of("create", true));
        return all;
    }

    static final List<RenderCase> TABLE = List.of(
            new RenderCase("pod-identity (defaults)", Mode.CONTAINER_ONLY, withNamespace(Map.of())),
            new RenderCase("kube2iam", Mode.METADATA, withNamespace(Map.of(
                    "mode", "kube2iam", "clusterName", "prod-eu"))),
            new RenderCase("both", Mode.METADATA, withNamespace(Map.of(
                    "mode", "both", "clusterName", "prod-eu"))),
            new RenderCase("kube2iam, Calico, port 8282, metadata options", Mode.METADATA, withNamespace(Map.of(
                    "mode", "kube2iam", "clusterName", "prod-eu", "region", "eu-central-1",
                    "metadataPath", Map.of("port", 8282, "podInterfaces", List.of("cali+", "cni0")),
                    "allowedRolePatterns", List.of("arn:aws:iam::111122223333:role/app-*"),
                    "config", Map.of("imdsv2Required", true, "namespaceRestrictions", true,
                            "baseRoleArn", "arn:aws:iam::111122223333:role/",
                            "defaultRole", "default-reader",
                            "metadataAllowedPath", List.of("/latest/meta-data/instance-id",
                                    "/latest/meta-data/placement/region"),
                            "shutdownTimeout", "20s")))),
            new RenderCase("pod-identity, associations, STS endpoint, tuned", Mode.CONTAINER_ONLY,
                    withNamespace(Map.of(
                            "region", "us-gov-west-1", "roleSource", "both",
                            "audience", "sts.amazonaws.com", "roleAnnotation", "iamlet.io/role",
                            "stsEndpoint", "https://sts.us-gov-west-1.amazonaws.com",
                            "config", Map.of("sessionDuration", "2h", "refreshFraction", 0.75,
                                    "requestDeadline", "1200ms", "unknownIpWait", "500ms",
                                    "cacheMaxIdentities", 1_000_000, "logFormat", "text",
                                    "auditEveryGrant", true, "shutdownTimeout", "15s")))),
            new RenderCase("image digest, pull secret, extras, scheduling", Mode.CONTAINER_ONLY,
                    withNamespace(Map.of(
                            "image", Map.of("repository", "registry.example.com/iamlet", "pullPolicy", "Always",
                                    "digest", "sha256:" + "0123456789abcdef".repeat(4)),
                            "imagePullSecrets", List.of(Map.of("name", "registry-creds")),
                            "extraEnv", List.of(Map.of("name", "HTTPS_PROXY", "value", "http://proxy:3128"),
                                    Map.of("name", "NO_PROXY", "value", "10.0.0.0/8")),
                            "extraArgs", List.of("--max-connections-per-source=32"),
                            "podAnnotations", Map.of("example.com/team", "platform"),
                            "affinity", Map.of("nodeAffinity", Map.of("requiredDuringSchedulingIgnoredDuringExecution",
                                    Map.of("nodeSelectorTerms", List.of(Map.of("matchExpressions", List.of(Map.of(
                                            "key", "eks.amazonaws.com/compute-type", "operator", "NotIn",
                                            "values", List.of("fargate")))))))),
                            "resources", Map.of(
                                    "agent", Map.of("requests", Map.of("cpu", "100m", "memory", "256Mi"),
                                            "limits", Map.of("memory", "384Mi")),
                                    "nodeSetup", Map.of("requests", Map.of("cpu", "10m", "memory", "64Mi"),
                                            "limits", Map.of("memory", "128Mi")))))),
            new RenderCase("webhook, self-managed TLS", Mode.CONTAINER_ONLY, withNamespace(Map.of(
                    "roleSource", "association", "allowedRolePatterns", List.of("arn:aws:iam::111122223333:role/*"),
                    "webhook", Map.of("enabled", true)))),
            new RenderCase("webhook, cert-manager ClusterIssuer, IPv6", Mode.CONTAINER_ONLY, withNamespace(Map.of(
                    "webhook", Map.of("enabled", true, "ipFamily", "ipv6", "failurePolicy", "Fail",
                            "certManager", Map.of("enabled", true,
                                    "issuerRef", Map.of("kind", "ClusterIssuer", "name", "cluster-ca")))))),
            new RenderCase("monitoring: PodMonitor, ServiceMonitor, rules, dashboard", Mode.CONTAINER_ONLY,
                    withNamespace(Map.of("monitoring", Map.of(
                            "podMonitor", Map.of("enabled", true, "labels", Map.of("release", "prom")),
                            "serviceMonitor", Map.of("enabled", true),
                            "prometheusRule", Map.of("enabled", true, "labels", Map.of("release", "prom")),
                            "dashboard", Map.of("enabled", true, "namespace", "monitoring"))))),
            new RenderCase("no CRD", Mode.CONTAINER_ONLY, withNamespace(Map.of("crds", Map.of("install", false)))));
}
