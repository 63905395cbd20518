package io.iamlet.webhook;

import static io.iamlet.webhook.Pods.container;
import static io.iamlet.webhook.Pods.injected;
import static io.iamlet.webhook.Pods.pod;
import static io.iamlet.webhook.Pods.withTokenVolume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.zjsonpatch.JsonPatch;
import io.iamlet.associations.AssociationStore;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.associations.PodIdentityAssociationSpec;
import io.iamlet.injection.InjectionNames;
import io.iamlet.pods.KubernetesClients;
import io.iamlet.webhook.tls.CertificateAuthority;
import io.iamlet.webhook.tls.ServingContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The webhook over HTTPS with roles from real PodIdentityAssociations: the agent's association store (an informer)
 * over fabric8's CRUD mock API server on loopback. Creates and deletes change the injection without a restart; a
 * match the agent denies (a tie) still injects; {@code --role-source association} ignores the annotation and
 * {@code both} honours it.
 */
class AssociationWebhookIT {

    // the webhook's own binding (kinds it was told about, no class-path search), as WebhookCommand builds it
    private static final KubernetesSerialization JSON = KubernetesClients.serialization(WebhookCommand.KINDS);
    private static final String ROLE = "arn:aws:iam::111122223333:role/";

    private static KubernetesMockServer api;
    private static KubernetesClient kubernetes;
    private static AssociationStore store;
    private static CertificateAuthority authority;
    private static WebhookServer associationOnly;
    private static WebhookServer both;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        api.init(InetAddress.getLoopbackAddress(), 0);
        kubernetes = api.createClient();
        kubernetes.serviceAccounts().inNamespace("shop").resource(new ServiceAccountBuilder().withNewMetadata()
                .withNamespace("shop").withName("annotated")
                .addToAnnotations("eks.amazonaws.com/role-arn", ROLE + "annotated").endMetadata().build()).create();
        create("team-builders", "team-*", "builder", "builder");
        create("tie-a", "shop", "tied", "tie-a");
        create("tie-b", "shop", "tied", "tie-b");

        store = new AssociationStore(kubernetes, Duration.ofSeconds(2), new SimpleMeterRegistry());
        store.start().get(30, java.util.concurrent.TimeUnit.SECONDS);
        RoleLookup associations = new AssociationRoleLookup(store, Duration.ofSeconds(2), new SimpleMeterRegistry());
        RoleLookup annotation = new AnnotationRoleLookup(kubernetes, "eks.amazonaws.com/role-arn", Duration.ZERO,
                Ticker.systemTicker());

        Instant now = Instant.now();
        authority = CertificateAuthority.create("test-ca", now, now.plus(Duration.ofDays(30)));
        var serving = new ServingContext();
        serving.install(authority.issue(List.of("iamlet-webhook.iamlet-system.svc"),
                List.of(InetAddress.getLoopbackAddress()), now, now.plus(Duration.ofDays(1))));
        var injection = io.iamlet.webhook.Injection.of(InjectionNames.IpFamily.IPV4, InjectionNames.DEFAULT_AUDIENCE,
                Duration.ofHours(24));
        associationOnly = WebhookServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serving,
                new AdmissionReviews(JSON, associations, injection), 64 * 1024, Duration.ofSeconds(10));
        both = WebhookServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serving,
                new AdmissionReviews(JSON, RoleLookup.either(associations, annotation), injection), 64 * 1024,
                Duration.ofSeconds(10));
        client = clientTrusting(authority);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {client, associationOnly, both, store}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing: " + e);
            }
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
        if (api != null) {
            api.destroy();
        }
    }

    private static void create(String name, String namespace, String serviceAccount, String role) {
        var spec = new PodIdentityAssociationSpec();
        spec.setNamespace(namespace);
        spec.setServiceAccount(serviceAccount);
        spec.setRoleArn(ROLE + role);
        var object = new PodIdentityAssociation();
        var meta = new ObjectMeta();
        meta.setName(name);
        object.setMetadata(meta);
        object.setSpec(spec);
        kubernetes.resources(PodIdentityAssociation.class).resource(object).create();
    }

    @Test
    void aGlobAssociationInjectsThePodsOfEveryMatchingNamespace() throws Exception {
        Pod pod = pod("team-a", "builder", container("app").build()).build();

        assertThat(mutate(associationOnly, pod))
                .isEqualTo(withTokenVolume(pod("team-a", "builder", injected(container("app")).build())).build());
    }

    @Test
    void aTieTheAgentWillDenyStillInjectsSoThePodHearsWhy() throws Exception {
        Pod pod = pod("shop", "tied", container("app").build()).build();

        assertThat(mutate(associationOnly, pod))
                .isEqualTo(withTokenVolume(pod("shop", "tied", injected(container("app")).build())).build());
    }

    @Test
    void associationModeIgnoresTheAnnotationAndBothHonoursIt() throws Exception {
        Pod pod = pod("shop", "annotated", container("app").build()).build();

        assertThat(mutate(associationOnly, pod)).as("association only").isEqualTo(pod);
        assertThat(mutate(both, pod)).as("both")
                .isEqualTo(withTokenVolume(pod("shop", "annotated", injected(container("app")).build())).build());
    }

    @Test
    void creatingAndDeletingAnAssociationChangesTheInjectionWithoutARestart() throws Exception {
        Pod pod = pod("shop", "late", container("app").build()).build();
        assertThat(mutate(associationOnly, pod)).isEqualTo(pod);

        create("late", "shop", "late", "late");
        await().atMost(Duration.ofSeconds(10)).until(() -> !mutate(associationOnly, pod).equals(pod));

        kubernetes.resources(PodIdentityAssociation.class).withName("late").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> mutate(associationOnly, pod).equals(pod));
    }

    /** The pod as the API server stores it after the webhook's patch. */
    private static Pod mutate(WebhookServer server, Pod pod) throws Exception {
        String uid = UUID.randomUUID().toString();
        Map<String, Object> request = Map.of(
                "uid", uid,
                "kind", Map.of("group", "", "version", "v1", "kind", "Pod"),
                "resource", Map.of("group", "", "version", "v1", "resource", "pods"),
                "namespace", pod.getMetadata().getNamespace(),
                "operation", "CREATE",
                "userInfo", Map.of("username", "system:serviceaccount:kube-system:replicaset-controller"),
                "object", pod);
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + server.address().getPort() + "/mutate"))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.asJson(Map.of(
                                "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", request))))
                        .header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        AdmissionReview answer = JSON.unmarshal(response.body(), AdmissionReview.class);
        assertThat(answer.getResponse().getUid()).isEqualTo(uid);
        assertThat(answer.getResponse().getAllowed()).isTrue();
        if (answer.getResponse().getPatch() == null) {
            return Pods.copy(pod);
        }
        JsonNode patch = JSON.unmarshal(new String(Base64.getDecoder().decode(answer.getResponse().getPatch()),
                StandardCharsets.UTF_8), JsonNode.class);
        return JSON.convertValue(JsonPatch.apply(patch, JSON.convertValue(pod, JsonNode.class)), Pod.class);
    }

    private static HttpClient clientTrusting(CertificateAuthority ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }
}
