package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.impl.BaseClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.iamlet.associations.PodIdentityAssociation;
import java.net.http.HttpClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's production client binds a watch event's object by its kind to the class iamlet reads it as, from its
 * own short list: no class-path search, so a kind it was not told about stays generic.
 */
class KubernetesClientsTest {

    // built as `iamlet serve` builds it; never contacted
    private static KubernetesClient client;
    private static KubernetesSerialization json;

    @BeforeAll
    static void client() {
        client = KubernetesClients.agent();
        json = client.getKubernetesSerialization();
    }

    @AfterAll
    static void close() {
        client.close();
    }

    private static final String POD = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
            + "\"namespace\":\"shop\"},\"spec\":{\"nodeName\":\"n1\",\"serviceAccountName\":\"sa\"},\"status\":"
            + "{\"podIP\":\"10.0.0.7\"}}";

    private static WatchEvent event(String type, String object) {
        return json.unmarshal("{\"type\":\"" + type + "\",\"object\":" + object + "}", WatchEvent.class);
    }

    static Stream<Arguments> kindsTheAgentReads() {
        return Stream.of(
                Arguments.of(POD, PodView.class),
                Arguments.of("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}",
                        Namespace.class),
                Arguments.of("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"sa\","
                        + "\"namespace\":\"shop\"}}", ServiceAccount.class),
                Arguments.of("{\"apiVersion\":\"iamlet.io/v1alpha1\",\"kind\":\"PodIdentityAssociation\",\"metadata\":"
                        + "{\"name\":\"shop-sa\"},\"spec\":{\"namespace\":\"shop\",\"serviceAccount\":\"sa\","
                        + "\"roleArn\":\"arn:aws:iam::111122223333:role/shop\"}}", PodIdentityAssociation.class),
                Arguments.of("{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e\",\"namespace\":"
                        + "\"shop\"},\"reason\":\"Seen\"}", Event.class));
    }

    @ParameterizedTest
    @MethodSource("kindsTheAgentReads")
    void watchEventOfEachKindTheAgentReadsIsBoundToItsClass(String object, Class<? extends KubernetesResource> type) {
        assertThat(event("ADDED", object).getObject()).isExactlyInstanceOf(type);
    }

    @Test
    void podIsReadAsTheAgentsViewWithItsFields() {
        var pod = (PodView) event("MODIFIED", POD).getObject();

        assertThat(pod.getMetadata().getName()).isEqualTo("web");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("shop");
    }

    // metadata as an API server sends it: managed fields of the kubelet's status updates and of kubectl
    private static final String POD_WITH_MANAGED_FIELDS = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
            + "\"name\":\"web\",\"namespace\":\"shop\",\"uid\":\"0b6f\",\"resourceVersion\":\"42\","
            + "\"annotations\":{\"iam.amazonaws.com/role\":\"web\"},\"labels\":{\"app\":\"web\"},"
            + "\"managedFields\":[{\"manager\":\"kubelet\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
            + "\"time\":\"2026-01-01T00:00:00Z\",\"fieldsType\":\"FieldsV1\",\"subresource\":\"status\","
            + "\"fieldsV1\":{\"f:status\":{\"f:conditions\":{\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},"
            + "\"f:status\":{}}},\"f:podIP\":{},\"f:podIPs\":{\".\":{},\"k:{\\\"ip\\\":\\\"10.0.0.7\\\"}\":{}}}}},"
            + "{\"manager\":\"kubectl-client-side-apply\",\"operation\":\"Update\",\"fieldsType\":\"FieldsV1\","
            + "\"fieldsV1\":{\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:iam.amazonaws.com/role\":{}}}}}]},"
            + "\"spec\":{\"nodeName\":\"n1\",\"serviceAccountName\":\"sa\"},\"status\":{\"podIP\":\"10.0.0.7\"}}";

    @Test
    void agentReadsObjectsWithoutTheirManagedFieldsAndKeepsTheRestOfTheMetadata() {
        var pod = (PodView) event("MODIFIED", POD_WITH_MANAGED_FIELDS).getObject();

        assertThat(pod.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(pod.getMetadata().getUid()).isEqualTo("0b6f");
        assertThat(pod.getMetadata().getResourceVersion()).isEqualTo("42");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry("iam.amazonaws.com/role", "web");
        assertThat(pod.getMetadata().getLabels()).containsEntry("app", "web");
        assertThat(pod.getStatus().podIP()).isEqualTo("10.0.0.7");
        var namespace = (Namespace) event("ADDED", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                + "{\"name\":\"shop\",\"managedFields\":[{\"manager\":\"kubectl\",\"fieldsV1\":{}}]}}").getObject();
        assertThat(namespace.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(namespace.getMetadata().getName()).isEqualTo("shop");
    }

    @Test
    void managedFieldsAreLeftOutByTheAgentsSerializationAlone() {
        // the same JSON through the serialization the webhook's client uses keeps them: the agent's mix-in drops them
        var full = KubernetesClients.serialization(KubernetesClients.AGENT_KINDS)
                .unmarshal(POD_WITH_MANAGED_FIELDS, PodView.class);

        assertThat(full.getMetadata().getManagedFields()).extracting(m -> m.getManager())
                .containsExactly("kubelet", "kubectl-client-side-apply");
    }

    /** fabric8's tasks (the informers' event handlers) run on virtual threads, not on a pool of platform threads. */
    @Test
    void fabric8sTasksRunOnVirtualThreads() throws Exception {
        Executor tasks = ((BaseClient) client).getExecutor();

        assertThat(threadThatRan(tasks).isVirtual()).isTrue();
    }

    /** So do the JDK HTTP client's own tasks (its responses' and watches' callbacks). */
    @Test
    void theApiClientsCallbacksRunOnVirtualThreads() throws Exception {
        try (HttpClient http = new ClusterCaHttpClientFactory().createNewHttpClientBuilder().build()) {
            assertThat(threadThatRan(http.executor().orElseThrow()).isVirtual()).isTrue();
        }
    }

    private static Thread threadThatRan(Executor executor) throws Exception {
        var ran = new CompletableFuture<Thread>();
        executor.execute(() -> ran.complete(Thread.currentThread()));
        return ran.get(5, TimeUnit.SECONDS);
    }

    @Test
    void watchErrorIsReadAsStatusSoTheInformerCanListAgain() {
        var error = event("ERROR", "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"message\":"
                + "\"too old resource version\",\"reason\":\"Expired\",\"code\":410}");

        assertThat(error.getObject()).isInstanceOfSatisfying(Status.class, s -> assertThat(s.getCode()).isEqualTo(410));
    }

    @Test
    void kindItWasNotToldAboutStaysGeneric() {
        // a ConfigMap is on the class path (fabric8's core model): a searching registry would bind it as ConfigMap
        var configMap = event("ADDED", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
                + "\"data\":{\"k\":\"v\"}}");

        assertThat(configMap.getObject()).isExactlyInstanceOf(GenericKubernetesResource.class);
        assertThat(json.getRegisteredKubernetesResource("apps/v1", "Deployment")).isNull();
    }
}
