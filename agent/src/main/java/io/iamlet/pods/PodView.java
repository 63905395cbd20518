package io.iamlet.pods;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * What iamlet reads of a core/v1 Pod, and nothing else: the informer and the injection check read pods as this type
 * ({@code client.resources(PodView.class)}), so that JSON is bound to these few classes only. Bound to fabric8's
 * {@code Pod} instead, Jackson would introspect the whole pod schema (volume sources, probes, affinity...: some 300
 * model classes and their builders, which fabric8's types name as generic parameters) and keep its metadata on the
 * heap for as long as the agent runs. Every field the API server sends and iamlet does not read is skipped.
 *
 * <p>Kept: metadata (name, namespace, uid, annotations, timestamps: {@link PodReader}), the node, host network and
 * service account, phase and IPs, and of each container its name, environment variables and volume mounts
 * ({@link io.iamlet.injection.MissingInjection}).
 */
@Group("")
@Version("v1")
@Kind("Pod")
@Plural("pods")
@Singular("pod")
// bound as a plain bean: HasMetadata's own deserializer would look the kind up again
@JsonDeserialize(using = ValueDeserializer.None.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class PodView implements HasMetadata, Namespaced {

    private String apiVersion = "v1";
    private String kind = "Pod";
    private ObjectMeta metadata;
    private Spec spec;
    private Status status;

    public PodView() {
    }

    public PodView(ObjectMeta metadata, Spec spec, Status status) {
        this.metadata = metadata;
        this.spec = spec;
        this.status = status;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    public Spec getSpec() {
        return spec;
    }

    public void setSpec(Spec spec) {
        this.spec = spec;
    }

    public Status getStatus() {
        return status;
    }

    public void setStatus(Status status) {
        this.status = status;
    }

    /** {@code spec}: where the pod runs, as whom, and its containers. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Spec(String nodeName, Boolean hostNetwork, String serviceAccountName, String serviceAccount,
                       List<Container> initContainers, List<Container> containers) {
    }

    /** {@code status}: the phase and the addresses. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Status(String phase, String podIP, List<PodIP> podIPs) {
    }

    /** An entry of {@code status.podIPs}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PodIP(String ip) {
    }

    /** A container (or init container): its name, environment and mounts. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Container(String name, List<EnvVar> env, List<VolumeMount> volumeMounts) {
    }

    /** An environment variable; {@code valueFrom} is not read (its value is then {@code null}). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EnvVar(String name, String value) {
    }

    /** Where a volume is mounted. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record VolumeMount(String mountPath) {
    }
}
