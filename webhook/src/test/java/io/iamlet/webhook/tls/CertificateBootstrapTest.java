package io.iamlet.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Certificate bootstrap against fabric8's mock API server (CRUD mode): two replicas, each with its own client and
 * the same clock, share one Secret; the caBundle is published into the webhook configuration; renewal happens
 * before expiry, once.
 */
@EnableKubernetesMockClient(crud = true)
class CertificateBootstrapTest {
    private static final String NAMESPACE = "iamlet-system";
    private static final String SECRET = "iamlet-webhook-tls";
    private static final String CONFIGURATION = "iamlet-webhook";
    private static final Duration VALIDITY = Duration.ofDays(365);
    private static final Duration RENEW_BEFORE = Duration.ofDays(120);
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);

    KubernetesMockServer server;
    KubernetesClient client;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T00:00:00Z"));
    private final List<KubernetesClient> replicaClients = new ArrayList<>();

    @BeforeEach
    void applyTheWebhookConfigurationWithoutABundle() {
        client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(
                new MutatingWebhookConfigurationBuilder().withNewMetadata().withName(CONFIGURATION).endMetadata()
                        .addNewWebhook().withName("pods.iamlet.io").withNewClientConfig().withNewService()
                        .withName("iamlet-webhook").withNamespace(NAMESPACE).withPath("/mutate").endService()
                        .endClientConfig().endWebhook().build()).create();
    }

    @AfterEach
    void closeReplicaClients() {
        replicaClients.forEach(KubernetesClient::close);
    }

    @Test
    void twoReplicasStartingTogetherCreateOneSecretAndPublishItsCa() throws Exception {
        Replica a = replica();
        Replica b = replica();
        CyclicBarrier start = new CyclicBarrier(2);
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            var first = CompletableFuture.supplyAsync(() -> a.startTogether(start), threads);
            var second = CompletableFuture.supplyAsync(() -> b.startTogether(start), threads);

            KeyAndChain servedByA = first.get();
            KeyAndChain servedByB = second.get();

            assertThat(servedByA.leaf()).isEqualTo(servedByB.leaf());
            assertThat(client.secrets().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
            X509Certificate ca = servedByA.trust().getFirst();
            assertThat(bundle()).containsExactly(ca);
            servedByA.leaf().verify(ca.getPublicKey());
            assertThat(servedByA.leaf().getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))))
                    .contains("iamlet-webhook.iamlet-system.svc", "iamlet-webhook.iamlet-system.svc.cluster.local");
            assertThat(a.serving.ready()).isTrue();
            assertThat(b.serving.ready()).isTrue();
        }
    }

    @Test
    void aRestartedReplicaReusesTheSecret() {
        KeyAndChain first = replica().refresh();
        String resourceVersion = secret().getMetadata().getResourceVersion();

        KeyAndChain again = replica().refresh();

        assertThat(again.leaf()).isEqualTo(first.leaf());
        assertThat(secret().getMetadata().getResourceVersion()).isEqualTo(resourceVersion);
    }

    @Test
    void renewsTheServingCertificateBeforeExpiryOnceForBothReplicasKeepingTheCa() {
        Replica a = replica();
        Replica b = replica();
        KeyAndChain original = a.refresh();
        b.refresh();

        clock.advance(VALIDITY.minus(RENEW_BEFORE).minus(Duration.ofDays(1)));
        assertThat(a.refresh().leaf()).isEqualTo(original.leaf());

        clock.advance(Duration.ofDays(2));
        KeyAndChain renewed = a.refresh();
        KeyAndChain seenByB = b.refresh();

        assertThat(renewed.leaf()).isNotEqualTo(original.leaf());
        assertThat(renewed.notAfter()).isAfter(original.notAfter());
        assertThat(seenByB.leaf()).isEqualTo(renewed.leaf());
        assertThat(renewed.trust()).containsExactlyElementsOf(original.trust());
        assertThat(bundle()).containsExactlyElementsOf(original.trust());
    }

    @Test
    void aCaNearItsEndIsReplacedAndTheBundleTrustsOldAndNewUntilTheOldExpires() {
        Replica a = replica();
        X509Certificate oldCa = a.refresh().trust().getFirst();

        clock.advance(CA_VALIDITY.minus(VALIDITY).minus(RENEW_BEFORE).plus(Duration.ofDays(1)));
        KeyAndChain renewed = a.refresh();

        X509Certificate newCa = renewed.trust().getFirst();
        assertThat(newCa).isNotEqualTo(oldCa);
        assertThat(renewed.trust()).containsExactly(newCa, oldCa);
        assertThat(bundle()).containsExactly(newCa, oldCa);
        assertThat(renewed.notAfter()).isBefore(newCa.getNotAfter().toInstant().plusSeconds(1));
    }

    @Test
    void aSecretWithoutUsableContentsIsReplaced() {
        client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(SECRET)
                .withNamespace(NAMESPACE).endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", Base64.getEncoder().encodeToString("garbage".getBytes()),
                        "tls.key", Base64.getEncoder().encodeToString("garbage".getBytes())))
                .build()).create();

        KeyAndChain material = replica().refresh();

        assertThat(secret().getData()).containsKeys("ca.crt", "ca.key", "tls.crt", "tls.key");
        assertThat(bundle()).containsExactlyElementsOf(material.trust());
    }

    @Test
    void servesAFileCertificateAndPicksUpItsRenewal(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Instant now = clock.instant();
        CertificateAuthority ca = CertificateAuthority.create("cert-manager-ca", now, now.plus(CA_VALIDITY));
        var certificate = dir.resolve("tls.crt");
        var key = dir.resolve("tls.key");
        KeyAndChain first = ca.issue(List.of("iamlet-webhook.iamlet-system.svc"), List.of(), now, now.plus(VALIDITY));
        write(first, certificate, key);
        ServingContext serving = new ServingContext();
        var rotation = new CertificateRotation(new FileCertificates(certificate, key), Optional.empty(), serving);
        rotation.refresh();

        KeyAndChain second = ca.issue(List.of("iamlet-webhook.iamlet-system.svc"), List.of(), now, now.plus(VALIDITY));
        write(second, certificate, key);

        assertThat(serving.install(new FileCertificates(certificate, key).current())).isTrue();
        assertThat(new FileCertificates(certificate, key).current().leaf()).isEqualTo(second.leaf());
    }

    private static void write(KeyAndChain material, java.nio.file.Path certificate, java.nio.file.Path key)
            throws java.io.IOException {
        java.nio.file.Files.writeString(certificate, CertificateAuthority.pem(material.chain()));
        java.nio.file.Files.writeString(key, CertificateAuthority.pem(material.key()));
    }

    private Secret secret() {
        return client.secrets().inNamespace(NAMESPACE).withName(SECRET).get();
    }

    private List<X509Certificate> bundle() {
        MutatingWebhookConfiguration configuration = client.admissionRegistration().v1()
                .mutatingWebhookConfigurations().withName(CONFIGURATION).get();
        String encoded = configuration.getWebhooks().getFirst().getClientConfig().getCaBundle();
        return CertificateAuthority.certificates(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
    }

    /** One webhook replica: its own client, the shared clock. */
    private Replica replica() {
        KubernetesClient own = server.createClient();
        replicaClients.add(own);
        var source = new SelfManagedCertificates(own, new SelfManagedCertificates.Settings(NAMESPACE, SECRET,
                SelfManagedCertificates.Settings.serviceNames("iamlet-webhook", NAMESPACE), List.of(), VALIDITY,
                CA_VALIDITY, RENEW_BEFORE), clock);
        return new Replica(source, new CaBundlePublisher(own, CONFIGURATION), new ServingContext());
    }

    private record Replica(SelfManagedCertificates source, CaBundlePublisher publisher, ServingContext serving) {
        KeyAndChain refresh() {
            new CertificateRotation(source, Optional.of(publisher), serving).refresh();
            return source.current();
        }

        KeyAndChain startTogether(CyclicBarrier start) {
            try {
                start.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return refresh();
        }
    }
}
