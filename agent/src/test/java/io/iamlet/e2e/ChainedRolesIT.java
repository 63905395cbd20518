package io.iamlet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.Agent;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.associations.PodIdentityAssociationSpec;
import io.iamlet.config.ServeOptions;
import io.iamlet.metrics.Metrics;
import io.iamlet.pods.PodSelector;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsCall;
import io.iamlet.testing.FakeStsChain;
import io.iamlet.testing.StandIns;
import io.iamlet.testing.TestPods;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;

/**
 * Cross-account roles end to end, in one JVM: the agent with {@code --role-source association} (so service-account
 * annotations are ignored), PodIdentityAssociations created through the client in the mock API server, the real
 * AWS SDK for Java v2 {@code ContainerCredentialsProvider} as the pod, and the STS stand-in, which proves the chain:
 * the target role was assumed with credentials it had issued for the source role, with the external id the target's
 * trust policy requires. The SDK's pod is 127.0.0.1; other pods are raw sockets bound to 127.0.0.2 and up.
 */
class ChainedRolesIT {

    private static final String NODE = TestPods.NODE;
    private static final String SOURCE_ROLE = "arn:aws:iam::111122223333:role/reports-exporter-source";
    private static final String TARGET_ROLE = "arn:aws:iam::444455556666:role/reports-exporter";
    private static final String EXTERNAL_ID = "reports-exporter-7f3c";
    private static final String PLAIN_ROLE = "arn:aws:iam::111122223333:role/shop-web";
    private static final String ANNOTATED_ROLE = "arn:aws:iam::111122223333:role/annotated";

    private static StandIns standIns;
    private static FakeSts sts;
    private static Agent agent;
    private static InetSocketAddress endpoint;
    private static Metrics metrics;
    private static LogCapture logs;
    private static Pod exporter;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        logs = new LogCapture();
        standIns = StandIns.start();
        sts = standIns.sts();
        standIns.serviceAccount("reports", "exporter", null);
        standIns.serviceAccount("shop", "web", null);
        standIns.serviceAccount("shop", "annotated", ANNOTATED_ROLE);
        create("reports-s3-in-data-account", "reports", "exporter", SOURCE_ROLE, TARGET_ROLE, EXTERNAL_ID);
        create("shop-web", "shop", "web", PLAIN_ROLE, null, null);
        exporter = standIns.runningPod("reports", "exporter-1", "exporter", NODE, "127.0.0.1");
        var config = ServeOptions.parse(Map.of(),
                "--node-name", NODE,
                "--role-source", "association",
                "--session-duration", "12h",
                "--container-listen", "127.0.0.1:0",
                "--probe-listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0",
                "--sts-endpoint", sts.endpoint().toString(),
                "--unknown-ip-wait", "300ms");
        agent = Agent.start(config, new Agent.Wiring(standIns.client(), PodSelector.clientSideOnly(NODE),
                "us-east-1", null, metrics = Metrics.create()));
        agent.podsSynced().orTimeout(30, TimeUnit.SECONDS).join();
        endpoint = agent.bound("container").getFirst().toSocketAddress();
        awaitReady();
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (standIns != null) {
            standIns.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        logs.close();
    }

    @AfterEach
    void clearSdkSettings() {
        System.clearProperty("aws.containerCredentialsFullUri");
        System.clearProperty("aws.containerAuthorizationTokenFile");
    }

    private static void create(String name, String namespace, String serviceAccount, String role, String target,
                               String externalId) {
        var spec = new PodIdentityAssociationSpec();
        spec.setNamespace(namespace);
        spec.setServiceAccount(serviceAccount);
        spec.setRoleArn(role);
        spec.setTargetRoleArn(target);
        spec.setExternalId(externalId);
        var meta = new ObjectMeta();
        meta.setName(name);
        var association = new PodIdentityAssociation();
        association.setMetadata(meta);
        association.setSpec(spec);
        standIns.client().resources(PodIdentityAssociation.class).resource(association).create();
    }

    /** Until /readyz answers 200: pods and associations listed, signing keys loaded. */
    private static void awaitReady() {
        var http = HttpClient.newHttpClient();
        URI readyz = URI.create("http://" + agent.bound("probes").getFirst() + "/readyz");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> http.send(
                HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private ContainerCredentialsProvider sdkWithTokenFile(String token) throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, token);
        System.setProperty("aws.containerCredentialsFullUri",
                "http://127.0.0.1:" + endpoint.getPort() + "/v1/credentials");
        System.setProperty("aws.containerAuthorizationTokenFile", file.toString());
        return ContainerCredentialsProvider.builder().build();
    }

    @Test
    void thePodGetsTheTargetRoleAssumedWithTheSourceRolesCredentialsAndTheExternalId() throws Exception {
        sts.requireExternalId(TARGET_ROLE, EXTERNAL_ID); // the target's trust policy: without it, AccessDenied
        try (var provider = sdkWithTokenFile(standIns.tokenFor(exporter))) {
            var credentials = (AwsSessionCredentials) provider.resolveCredentials();

            assertThat(sts.roleOf(credentials.accessKeyId())).contains(TARGET_ROLE);
            FakeStsChain chain = sts.chains().stream()
                    .filter(c -> c.issuedAccessKeyId().equals(credentials.accessKeyId())).findFirst().orElseThrow();
            assertThat(sts.roleOf(chain.sourceAccessKeyId())).as("signed with the source role's credentials")
                    .contains(SOURCE_ROLE);
            assertThat(chain.externalId()).isEqualTo(EXTERNAL_ID);
            assertThat(chain.durationSeconds()).as("--session-duration 12h, capped for a chain").isEqualTo(3600);
            FakeStsCall first = sts.calls("AssumeRoleWithWebIdentity").stream()
                    .filter(c -> chain.sourceAccessKeyId().equals(c.issuedAccessKeyId())).findFirst().orElseThrow();
            assertThat(first.roleArn()).isEqualTo(SOURCE_ROLE);
            assertThat(first.sessionName()).isEqualTo("reports.exporter");
            assertThat(credentials.expirationTime()).hasValueSatisfying(expiry -> assertThat(expiry)
                    .isBefore(Instant.now().plus(Duration.ofMinutes(61))));

            // The pod's SDK, signing with what it was served, is the target role as far as STS can tell.
            try (var client = io.iamlet.testing.SdkSts.client(sts.endpoint(), provider)) {
                assertThat(client.getCallerIdentity().join().arn())
                        .isEqualTo("arn:aws:sts::444455556666:assumed-role/reports-exporter/reports.exporter");
            }
            assertThat(logs.lines()).anySatisfy(line -> assertThat(line).startsWith("iamlet.audit")
                    .contains("outcome=granted").contains("role_arn=" + TARGET_ROLE)
                    .contains("service_account=exporter"));
            var source = sts.issued(chain.sourceAccessKeyId()).orElseThrow();
            assertThat(logs.lines()).as("neither role's secrets, nor the external id, in any log line")
                    .allSatisfy(line -> assertThat(line).doesNotContain(credentials.secretAccessKey())
                            .doesNotContain(credentials.sessionToken()).doesNotContain(source.secretAccessKey())
                            .doesNotContain(source.sessionToken()).doesNotContain(EXTERNAL_ID));
        }
    }

    @Test
    void anAssociationWithoutTargetServesItsRoleUnchained() {
        Pod web = standIns.runningPod("shop", "web-1", "web", NODE, "127.0.0.2");
        await(web);

        RawHttp.Reply reply = get("127.0.0.2", standIns.tokenFor(web));

        assertThat(reply.status()).isEqualTo(200);
        String key = reply.body().replaceAll(".*\"AccessKeyId\":\"([^\"]+)\".*", "$1");
        assertThat(sts.roleOf(key)).contains(PLAIN_ROLE);
        assertThat(sts.chains()).noneMatch(c -> c.issuedAccessKeyId().equals(key));
    }

    @Test
    void aServiceAccountWithoutAssociationIsRefusedWhateverItsAnnotation() {
        Pod annotated = standIns.runningPod("shop", "annotated-1", "annotated", NODE, "127.0.0.3");
        await(annotated);
        int stsCalls = sts.requestsReceived();

        RawHttp.Reply reply = get("127.0.0.3", standIns.tokenFor(annotated));

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.body()).contains("no PodIdentityAssociation matches service account shop/annotated");
        assertThat(sts.requestsReceived()).as("refused before STS").isEqualTo(stsCalls);
        assertThat(logs.lines()).anySatisfy(line -> assertThat(line).startsWith("iamlet.audit")
                .contains("outcome=denied").contains("reason=no_association").contains("pod=annotated-1"));
    }

    private static RawHttp.Reply get(String sourceIp, String token) {
        try {
            return RawHttp.get(sourceIp, endpoint, "/v1/credentials", token);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(Pod pod) {
        String ip = pod.getStatus().getPodIPs().getFirst().getIp();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> agent.pods().at(ip).isPresent());
    }
}
