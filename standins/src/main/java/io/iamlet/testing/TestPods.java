package io.iamlet.testing;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Pods for tests: a builder, and helpers that drive a fabric8 CRUD mock API server the way a cluster would, so
 * changes reach informers through the watch.
 *
 * <pre>{@code
 * KubernetesMockServer server = TestPods.startCrudServer();      // loopback only; server.destroy() after
 * KubernetesClient client = server.createClient();
 * Pod pod = TestPods.create(client, TestPods.pod("team-a", "web").ips("10.0.0.7", "fd00::7").build());
 * TestPods.setIps(client, pod, "10.0.0.8");                      // a status update, seen as MODIFIED
 * TestPods.terminate(client, pod);                               // deletionTimestamp set, pod still there
 * TestPods.delete(client, pod);                                  // gone, seen as DELETED
 * }</pre>
 *
 * <p>The mock server assigns {@code metadata.uid} and {@code metadata.creationTimestamp} (now, whole seconds) on
 * create, overriding the builder's; the builder's values matter for tests that hand pods to an informer handler
 * directly. The mock server ignores field selectors on {@code spec.nodeName} (a list with one returns nothing).
 */
public final class TestPods {

    /** The node the tests' agent runs on; the builder's default. */
    public static final String NODE = "node-a";

    /** The finalizer {@link #terminate} uses to keep a deleted pod around with its deletionTimestamp. */
    public static final String HOLD = "test.iamlet.io/hold";

    private TestPods() {
    }

    public static Builder pod(String name) {
        return new Builder("default", name);
    }

    public static Builder pod(String namespace, String name) {
        return new Builder(namespace, name);
    }

    /** A CRUD mock API server listening on the loopback address. Call {@code destroy()} when done. */
    public static KubernetesMockServer startCrudServer() {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    /**
     * Creates the pod as the API server and kubelet would: first without IPs (phase Pending), then its status
     * (IPs, phase) in a separate status update, so a watcher sees an ADDED then a MODIFIED event.
     * Returns the pod as stored, with the uid and creation time the server assigned.
     */
    public static Pod create(KubernetesClient client, Pod pod) {
        PodStatus status = pod.getStatus();
        Pod bare = new PodBuilder(pod).withNewStatus().withPhase("Pending").endStatus().build();
        Pod created = client.pods().inNamespace(namespace(pod)).resource(bare).create();
        boolean noIps = status == null || status.getPodIPs() == null || status.getPodIPs().isEmpty();
        if (status == null || noIps && "Pending".equals(status.getPhase())) {
            return created;
        }
        return updateStatus(client, created, s -> {
            s.setPhase(status.getPhase());
            s.setPodIP(status.getPodIP());
            s.setPodIPs(status.getPodIPs());
        });
    }

    /** Replaces the pod's IPs ({@code status.podIPs} and {@code status.podIP}) with a status update. */
    public static Pod setIps(KubernetesClient client, Pod pod, String... ips) {
        return updateStatus(client, pod, s -> {
            s.setPodIPs(podIps(ips));
            s.setPodIP(ips.length == 0 ? null : ips[0]);
        });
    }

    /** Moves the pod to a phase (Running, Succeeded, Failed) with a status update. */
    public static Pod setPhase(KubernetesClient client, Pod pod, String phase) {
        return updateStatus(client, pod, s -> s.setPhase(phase));
    }

    /** Applies a change to the pod's latest status through the status subresource (what the kubelet does). */
    public static Pod updateStatus(KubernetesClient client, Pod pod, Consumer<PodStatus> change) {
        PodResource resource = resource(client, pod);
        Pod latest = resource.get();
        change.accept(latest.getStatus());
        return client.pods().inNamespace(namespace(pod)).resource(latest).updateStatus();
    }

    /** Starts a graceful deletion: the pod stays, with {@code metadata.deletionTimestamp} set, until {@link #delete}. */
    public static Pod terminate(KubernetesClient client, Pod pod) {
        PodResource resource = resource(client, pod);
        resource.edit(p -> new PodBuilder(p).editMetadata().addToFinalizers(HOLD).endMetadata().build());
        resource.delete();
        return resource.get();
    }

    /** Deletes the pod for good (finishing a {@link #terminate} if one was started). */
    public static void delete(KubernetesClient client, Pod pod) {
        PodResource resource = resource(client, pod);
        Pod latest = resource.get();
        if (latest == null) {
            return;
        }
        if (latest.getMetadata().getFinalizers().contains(HOLD)) {
            resource.edit(p -> new PodBuilder(p).editMetadata().removeFromFinalizers(HOLD).endMetadata().build());
        }
        if (resource.get() != null) {
            resource.delete();
        }
    }

    private static PodResource resource(KubernetesClient client, Pod pod) {
        return client.pods().inNamespace(namespace(pod)).withName(pod.getMetadata().getName());
    }

    private static String namespace(Pod pod) {
        return pod.getMetadata().getNamespace();
    }

    private static List<PodIP> podIps(String... ips) {
        List<PodIP> list = new ArrayList<>();
        for (String ip : ips) {
            list.add(new PodIP(ip));
        }
        return list;
    }

    /** A pod of node {@link #NODE}, phase Running, service account {@code default}, no IP unless given. */
    public static final class Builder {
        private final String namespace;
        private final String name;
        private String uid = UUID.randomUUID().toString();
        private String node = NODE;
        private String serviceAccount = "default";
        private String[] ips = new String[0];
        private String phase = "Running";
        private boolean hostNetwork;
        private final Map<String, String> annotations = new LinkedHashMap<>();
        private Instant created = Instant.parse("2026-01-01T00:00:00Z");
        private Instant deleted;

        private Builder(String namespace, String name) {
            this.namespace = namespace;
            this.name = name;
        }

        public Builder uid(String uid) {
            this.uid = uid;
            return this;
        }

        /** The node the pod is scheduled to; null for a pod not scheduled yet. */
        public Builder node(String node) {
            this.node = node;
            return this;
        }

        public Builder serviceAccount(String serviceAccount) {
            this.serviceAccount = serviceAccount;
            return this;
        }

        /** {@code status.podIPs} in order; the first is also {@code status.podIP}. */
        public Builder ips(String... ips) {
            this.ips = ips.clone();
            return this;
        }

        public Builder phase(String phase) {
            this.phase = phase;
            return this;
        }

        public Builder hostNetwork() {
            this.hostNetwork = true;
            return this;
        }

        public Builder annotation(String key, String value) {
            annotations.put(key, value);
            return this;
        }

        public Builder created(Instant created) {
            this.created = created;
            return this;
        }

        /** Sets {@code metadata.deletionTimestamp}: a pod being deleted (mock server: use {@link #terminate}). */
        public Builder terminating(Instant since) {
            this.deleted = since;
            return this;
        }

        public Pod build() {
            return new PodBuilder()
                    .withMetadata(new ObjectMetaBuilder()
                            .withNamespace(namespace)
                            .withName(name)
                            .withUid(uid)
                            .withAnnotations(Map.copyOf(annotations))
                            .withCreationTimestamp(created == null ? null : created.toString())
                            .withDeletionTimestamp(deleted == null ? null : deleted.toString())
                            .build())
                    .withNewSpec()
                    .withNodeName(node)
                    .withServiceAccountName(serviceAccount)
                    .withHostNetwork(hostNetwork)
                    .addNewContainer().withName("app").withImage("registry.example/app:1").endContainer()
                    .endSpec()
                    .withNewStatus()
                    .withPhase(phase)
                    .withPodIP(ips.length == 0 ? null : ips[0])
                    .withPodIPs(podIps(ips))
                    .endStatus()
                    .build();
        }
    }
}
