package io.iamlet.pods;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import io.iamlet.associations.PodIdentityAssociation;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kubernetes clients iamlet runs with: fabric8's, told the few kinds iamlet reads instead of every kind on the
 * class path.
 *
 * <p>A watch event's object, an admission request's object and an untyped read are bound by their apiVersion and
 * kind through a registry of kinds. fabric8's default fills that registry, at its first use, by loading every
 * resource class the class path declares ({@code ServiceLoader} over {@code KubernetesResource}: some 270 model
 * classes, ControllerRevision to VolumeAttachment, kept loaded for the life of the process). This registry holds
 * {@link Status} (a watch's ERROR event: 410 Gone makes the informer list again) and the kinds its caller names.
 * An object of any other kind is read as a {@code GenericKubernetesResource}, which fabric8 converts to the
 * operation's type where one is expected, as it does for a custom resource it was not told about.
 *
 * <p>The API server's certificate is trusted only when it chains to the CA the configuration names, as kubectl does
 * ({@link ClusterCaHttpClientFactory}). The client's asynchronous work runs on virtual threads, not on fabric8's
 * cached pools of platform threads ({@link VirtualTasks}, {@link ClusterCaHttpClientFactory}). The agent's client
 * skips managed fields ({@link #agentSerialization}). Everything else (the JSON mapper, its modules and defaults, the
 * configuration from kubeconfig or the service account) is what {@code new KubernetesClientBuilder().build()} gives.
 */
public final class KubernetesClients {

    /**
     * What the agent reads by kind: pods (as {@link PodView}: the pod informer and the injection check), namespaces
     * (the policy informer), service accounts, the associations informer, and the core/v1 events it writes.
     */
    public static final List<Class<? extends KubernetesResource>> AGENT_KINDS = List.of(
            PodView.class, Namespace.class, ServiceAccount.class, PodIdentityAssociation.class, Event.class);

    private KubernetesClients() {
    }

    /**
     * The agent's client, configured as fabric8 configures itself (kubeconfig, else the pod's service account). It
     * reads objects without their {@code metadata.managedFields} ({@link #agentSerialization}).
     */
    public static KubernetesClient agent() {
        return build(agentSerialization());
    }

    /**
     * A client configured as fabric8 configures itself (kubeconfig, else the pod's service account), knowing
     * {@code kinds} and {@link Status} only. An API server on plain {@code http://} (a local stand-in, a proxy on
     * loopback) is spoken to in HTTP/1.1: the JDK's client would otherwise offer each new connection an upgrade to
     * HTTP/2 (h2c), and with several first requests at once (the informers' lists at start) it once read an HTTP/1.1
     * answer as HTTP/2 frames and failed the pod informer. Over {@code https://} (a cluster) nothing changes.
     */
    public static KubernetesClient build(List<Class<? extends KubernetesResource>> kinds) {
        return build(serialization(kinds));
    }

    private static KubernetesClient build(KubernetesSerialization serialization) {
        Config config = new ConfigBuilder().build(); // what KubernetesClientBuilder.build() makes without one
        var builder = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientFactory(new ClusterCaHttpClientFactory())
                .withTaskExecutorSupplier(new VirtualTasks());
        String master = config.getMasterUrl();
        if (master != null && master.regionMatches(true, 0, "http://", 0, 7)) {
            builder.withHttpClientBuilderConsumer(HttpClient.Builder::preferHttp11);
        }
        return builder.withKubernetesSerialization(serialization).build();
    }

    /**
     * fabric8's tasks (the informers' event handlers, each informer's in order through fabric8's own serial
     * executor, and the client's other asynchronous work) on virtual threads, one per task, instead of fabric8's
     * cached pool of platform threads (four of them stayed alive on an idle node, each with its own stack). Shut
     * down when the client closes, as fabric8 shuts its own pool down.
     */
    private static final class VirtualTasks implements KubernetesClientBuilder.ExecutorSupplier {
        @Override
        public Executor get() {
            return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("iamlet-kube-task-", 0).factory());
        }

        @Override
        public void onClose(Executor executor) {
            ((ExecutorService) executor).shutdownNow();
        }
    }

    /**
     * fabric8's serialization as its default constructor makes it (Jackson 2 defaults, fabric8's JDK types module),
     * except that it does not search the class path for kinds: it knows {@link Status} and {@code kinds}.
     */
    public static KubernetesSerialization serialization(List<Class<? extends KubernetesResource>> kinds) {
        return serialization(kinds, JsonMapper.builderWithJackson2Defaults());
    }

    /**
     * The agent's serialization: {@link #serialization} of {@link #AGENT_KINDS}, except that an object's
     * {@code metadata.managedFields} are skipped as they are read, never bound. The API server sends them with every
     * object and every watch event (a field set per manager: the kubelet's status updates, controllers, kubectl),
     * often the largest part of a pod's metadata, and fabric8 would build a tree of maps for each; the agent reads
     * none of it and writes back no object it read (it only creates Events), so nothing it sends loses them.
     */
    public static KubernetesSerialization agentSerialization() {
        return serialization(AGENT_KINDS, JsonMapper.builderWithJackson2Defaults()
                .addMixIn(ObjectMeta.class, WithoutManagedFields.class));
    }

    /** Jackson mix-in for {@link ObjectMeta}: {@code managedFields} skipped when read. */
    @JsonIgnoreProperties({"managedFields"})
    private abstract static class WithoutManagedFields {
    }

    private static KubernetesSerialization serialization(List<Class<? extends KubernetesResource>> kinds,
                                                         JsonMapper.Builder builder) {
        var mapper = builder.addModule(new Jackson2JdkTypesModule()).build();
        var serialization = new KubernetesSerialization(mapper, false);
        serialization.registerKubernetesResource(Status.class);
        kinds.forEach(serialization::registerKubernetesResource);
        return serialization;
    }
}
