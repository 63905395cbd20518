package io.iamlet.webhook;

import static io.iamlet.webhook.Pods.container;
import static io.iamlet.webhook.Pods.injected;
import static io.iamlet.webhook.Pods.pod;
import static io.iamlet.webhook.Pods.withTokenVolume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.iamlet.injection.InjectionNames;
import io.iamlet.pods.KubernetesClients;
import io.iamlet.webhook.tls.CertificateAuthority;
import io.iamlet.webhook.tls.KeyAndChain;
import io.iamlet.webhook.tls.ServingContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The webhook over real HTTPS on loopback, with a CA and serving certificate it generated itself: each row is an
 * AdmissionReview v1 for a pod; the JSON Patch it returns is applied with zjsonpatch and must give exactly the
 * expected pod (compared as fabric8 model objects).
 */
class WebhookHttpsIT {
    // the webhook's own binding (kinds it was told about, no class-path search), as WebhookCommand builds it
    private static final KubernetesSerialization JSON = KubernetesClients.serialization(WebhookCommand.KINDS);
    /** Service accounts with a role: one by annotation, and a namespace glob as an association would grant. */
    private static final RoleLookup ROLES = RoleLookup.either(
            (namespace, account) -> Set.of("shop/s3-reader", "shop/default").contains(namespace + "/" + account),
            (namespace, account) -> namespace.startsWith("team-") && account.equals("builder"));

    private static CertificateAuthority authority;
    private static ServingContext serving;
    private static WebhookServer server;
    private static HttpClient client;

    @BeforeAll
    static void startWebhook() throws Exception {
        Instant now = Instant.now();
        authority = CertificateAuthority.create("test-ca", now, now.plus(Duration.ofDays(30)));
        serving = new ServingContext();
        serving.install(issue());
        RoleLookup roles = (namespace, account) -> {
            if (namespace.equals("broken")) {
                throw new IllegalStateException("API server unreachable");
            }
            return ROLES.hasRole(namespace, account);
        };
        var admission = new AdmissionReviews(JSON, roles,
                Injection.of(InjectionNames.IpFamily.IPV4, "pods.eks.amazonaws.com", Duration.ofHours(24)));
        server = WebhookServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serving, admission,
                64 * 1024, Duration.ofSeconds(10));
        client = clientTrusting(authority.certificate());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static Stream<Arguments> pods() {
        var app = container("app");
        return Stream.of(
                arguments("role via the service account's annotation",
                        pod("shop", "s3-reader", app.build()),
                        withTokenVolume(pod("shop", "s3-reader", injected(container("app")).build()))),
                arguments("role via a glob association",
                        pod("team-a", "builder", app.build()),
                        withTokenVolume(pod("team-a", "builder", injected(container("app")).build()))),
                arguments("no service account named: the default account's role",
                        pod("shop", null, app.build()),
                        withTokenVolume(pod("shop", null, injected(container("app")).build()))),
                arguments("no role: untouched",
                        pod("shop", "web", app.build()),
                        pod("shop", "web", container("app").build())),
                arguments("glob that does not match the account: untouched",
                        pod("team-a", "deployer", app.build()),
                        pod("team-a", "deployer", container("app").build())),
                arguments("init containers too",
                        pod("shop", "s3-reader", app.build()).editSpec()
                                .withInitContainers(container("migrate").build()).endSpec(),
                        withTokenVolume(pod("shop", "s3-reader", injected(container("app")).build()).editSpec()
                                .withInitContainers(injected(container("migrate")).build()).endSpec())),
                arguments("skip-containers annotation leaves the named containers alone",
                        pod("shop", "s3-reader", app.build(), container("proxy").build(), container("log").build())
                                .editMetadata().addToAnnotations("eks.amazonaws.com/skip-containers", "proxy, log")
                                .endMetadata(),
                        withTokenVolume(pod("shop", "s3-reader", injected(container("app")).build(),
                                container("proxy").build(), container("log").build())
                                .editMetadata().addToAnnotations("eks.amazonaws.com/skip-containers", "proxy, log")
                                .endMetadata())),
                arguments("every container skipped: no volume either",
                        pod("shop", "s3-reader", app.build()).editMetadata()
                                .addToAnnotations("eks.amazonaws.com/skip-containers", "app").endMetadata(),
                        pod("shop", "s3-reader", container("app").build()).editMetadata()
                                .addToAnnotations("eks.amazonaws.com/skip-containers", "app").endMetadata()),
                arguments("a variable the user set is kept, the other is added after the user's own",
                        pod("shop", "s3-reader", container("app")
                                .addToEnv(new EnvVar("AWS_REGION", "eu-west-1", null))
                                .addToEnv(new EnvVar("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds", null))
                                .build()),
                        withTokenVolume(pod("shop", "s3-reader", container("app")
                                .addToEnv(new EnvVar("AWS_REGION", "eu-west-1", null))
                                .addToEnv(new EnvVar("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds", null))
                                .addToEnv(new EnvVar("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", Pods.TOKEN_FILE, null))
                                .addToVolumeMounts(new VolumeMountBuilder().withName("eks-pod-identity-token")
                                        .withMountPath("/var/run/secrets/pods.eks.amazonaws.com/serviceaccount")
                                        .withReadOnly(true).build())
                                .build()))),
                arguments("the user's volumes and mounts stay, ours are appended",
                        pod("shop", "s3-reader", container("app").addToVolumeMounts(new VolumeMountBuilder()
                                .withName("data").withMountPath("/data").build()).build())
                                .editSpec().addToVolumes(new VolumeBuilder().withName("data").withNewEmptyDir()
                                        .endEmptyDir().build()).endSpec(),
                        withTokenVolume(pod("shop", "s3-reader", injected(container("app").addToVolumeMounts(
                                new VolumeMountBuilder().withName("data").withMountPath("/data").build())).build())
                                .editSpec().addToVolumes(new VolumeBuilder().withName("data").withNewEmptyDir()
                                        .endEmptyDir().build()).endSpec())),
                arguments("already mutated (reinvocation): nothing added",
                        withTokenVolume(pod("shop", "s3-reader", injected(container("app")).build())),
                        withTokenVolume(pod("shop", "s3-reader", injected(container("app")).build()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pods")
    void patchAppliedToThePodGivesTheExpectedPod(String row, io.fabric8.kubernetes.api.model.PodBuilder input,
                                                 io.fabric8.kubernetes.api.model.PodBuilder expected) throws Exception {
        Pod pod = input.build();
        HttpResponse<String> response = post(review("uid-" + row.hashCode(), pod));

        assertThat(response.statusCode()).isEqualTo(200);
        AdmissionReview answer = JSON.unmarshal(response.body(), AdmissionReview.class);
        assertThat(answer.getApiVersion()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.getResponse().getUid()).isEqualTo("uid-" + row.hashCode());
        assertThat(answer.getResponse().getAllowed()).isTrue();
        assertThat(patched(pod, answer)).isEqualTo(expected.build());
    }

    @Test
    void reinvocationOfAMutatedPodAddsNothing() throws Exception {
        Pod pod = pod("shop", "s3-reader", container("app").build()).editSpec()
                .withInitContainers(container("init").build()).endSpec().build();
        Pod once = patched(pod, JSON.unmarshal(post(review("first", pod)).body(), AdmissionReview.class));

        AdmissionReview second = JSON.unmarshal(post(review("second", once)).body(), AdmissionReview.class);

        assertThat(second.getResponse().getPatch()).isNull();
        assertThat(second.getResponse().getPatchType()).isNull();
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                arguments("not JSON", "POST", "/mutate", "{{{".getBytes(StandardCharsets.UTF_8), 400),
                arguments("empty body", "POST", "/mutate", new byte[0], 400),
                arguments("JSON but no request", "POST", "/mutate",
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}".getBytes(StandardCharsets.UTF_8), 400),
                arguments("v1beta1", "POST", "/mutate",
                        "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\"}}"
                                .getBytes(StandardCharsets.UTF_8), 400),
                arguments("no uid", "POST", "/mutate",
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}"
                                .getBytes(StandardCharsets.UTF_8), 400),
                arguments("body over the limit", "POST", "/mutate", new byte[64 * 1024 + 1], 413),
                arguments("GET on the webhook path", "GET", "/mutate", new byte[0], 405),
                arguments("unknown path", "POST", "/validate", new byte[0], 404));
    }

    @ParameterizedTest(name = "{0} -> {4}")
    @MethodSource("badRequests")
    void badInputGetsACleanErrorAndTheServerKeepsServing(String row, String method, String path, byte[] body,
                                                          int status) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri(path))
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                        .header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(status);
        Pod pod = pod("shop", "s3-reader", container("app").build()).build();
        assertThat(post(review("after-" + row.hashCode(), pod)).statusCode()).isEqualTo(200);
    }

    @Test
    void roleLookupFailureIsAServerErrorSoTheFailurePolicyDecides() throws Exception {
        HttpResponse<String> response = post(review("broken", pod("broken", "any", container("app").build()).build()));

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("failure policy").doesNotContain("example.com", "broken");
    }

    @Test
    void healthzAnswersOnceACertificateIsServed() throws Exception {
        var response = client.send(HttpRequest.newBuilder(uri("/healthz")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void aRenewedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
        KeyAndChain renewed = issue();
        serving.install(renewed);

        try (HttpClient fresh = clientTrusting(authority.certificate())) {
            var response = fresh.send(HttpRequest.newBuilder(uri("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            X509Certificate served = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
            assertThat(served).isEqualTo(renewed.leaf());
        }
    }

    private static KeyAndChain issue() {
        Instant now = Instant.now();
        return authority.issue(List.of("iamlet-webhook.iamlet-system.svc"), List.of(InetAddress.getLoopbackAddress()),
                now, now.plus(Duration.ofDays(1)));
    }

    private static Pod patched(Pod pod, AdmissionReview answer) {
        if (answer.getResponse().getPatch() == null) {
            return Pods.copy(pod);
        }
        assertThat(answer.getResponse().getPatchType()).isEqualTo("JSONPatch");
        JsonNode patch = JSON.unmarshal(new String(Base64.getDecoder().decode(answer.getResponse().getPatch()),
                StandardCharsets.UTF_8), JsonNode.class);
        assertThat(patch.findValuesAsString("op")).containsOnly("add");
        JsonNode result = JsonPatch.apply(patch, JSON.convertValue(pod, JsonNode.class));
        return JSON.convertValue(result, Pod.class);
    }

    private static String review(String uid, Pod pod) {
        Map<String, Object> request = Map.of(
                "uid", uid,
                "kind", Map.of("group", "", "version", "v1", "kind", "Pod"),
                "resource", Map.of("group", "", "version", "v1", "resource", "pods"),
                "namespace", pod.getMetadata().getNamespace(),
                "operation", "CREATE",
                "userInfo", Map.of("username", "system:serviceaccount:kube-system:replicaset-controller"),
                "object", pod,
                "dryRun", false);
        return JSON.asJson(Map.of("apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", request));
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri("/mutate"))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("https://127.0.0.1:" + server.address().getPort() + path);
    }

    /** A client that trusts only the webhook's CA and checks the host name against the certificate. */
    private static HttpClient clientTrusting(X509Certificate ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }
}
