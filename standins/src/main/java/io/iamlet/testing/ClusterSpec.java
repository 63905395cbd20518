package io.iamlet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code iamlet stand-ins} seeds into its API server: namespaces, service accounts and running pods with
 * their real IPs. Read from JSON:
 *
 * <pre>{@code
 * {"node": "node-e2e",
 *  "namespaces": [{"name": "shop", "annotations": {"iam.amazonaws.com/allowed-roles": "[\"arn:...:role/app-*\"]"}}],
 *  "serviceAccounts": [{"namespace": "shop", "name": "web", "roleArn": "arn:aws:iam::111122223333:role/app-web"}],
 *  "pods": [{"namespace": "shop", "name": "web-1", "serviceAccount": "web", "ip": "10.231.1.2",
 *            "annotations": {"iam.amazonaws.com/role": "app-web"}}]}
 * }</pre>
 *
 * A pod without {@code node} is on the spec's {@code node}.
 */
public record ClusterSpec(String node, List<Namespace> namespaces, List<ServiceAccount> serviceAccounts,
                          List<PodEntry> pods) {

    public ClusterSpec {
        Objects.requireNonNull(node, "node");
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        serviceAccounts = serviceAccounts == null ? List.of() : List.copyOf(serviceAccounts);
        pods = pods == null ? List.of() : List.copyOf(pods);
    }

    public record Namespace(String name, Map<String, String> annotations) {
        public Namespace {
            Objects.requireNonNull(name, "namespace name");
            annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        }
    }

    /** {@code roleArn} null: a service account without the role annotation. */
    public record ServiceAccount(String namespace, String name, String roleArn) {
        public ServiceAccount {
            Objects.requireNonNull(namespace, "service account namespace");
            Objects.requireNonNull(name, "service account name");
        }
    }

    public record PodEntry(String namespace, String name, String serviceAccount, String ip, String node,
                           Map<String, String> annotations) {
        public PodEntry {
            Objects.requireNonNull(namespace, "pod namespace");
            Objects.requireNonNull(name, "pod name");
            Objects.requireNonNull(ip, "pod ip");
            serviceAccount = serviceAccount == null ? "default" : serviceAccount;
            annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        }

        /** The same pod on {@code defaultNode} when it names none. */
        public PodEntry onNode(String defaultNode) {
            return node != null ? this : new PodEntry(namespace, name, serviceAccount, ip, defaultNode, annotations);
        }

        public String key() {
            return namespace + "/" + name;
        }
    }

    public static ClusterSpec read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cluster spec " + file, e);
        }
    }

    public static ClusterSpec parse(String json) {
        return JsonMapper.builder().build().readValue(json, ClusterSpec.class);
    }
}
