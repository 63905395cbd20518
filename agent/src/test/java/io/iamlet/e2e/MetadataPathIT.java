package io.iamlet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.Agent;
import io.iamlet.config.ServeOptions;
import io.iamlet.metrics.Metrics;
import io.iamlet.pods.PodSelector;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.StandIns;
import io.iamlet.testing.TestPods;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.iamlet.credentials.sts.AwsKeys;
import io.iamlet.credentials.sts.NodeKeys;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;

/**
 * The metadata path as {@code iamlet serve} wires it: the real SDK's {@code InstanceProfileCredentialsProvider}
 * (IMDSv2) against the metadata listener on loopback, the pod's {@code iam.amazonaws.com/role} under its
 * namespace's policy, node credentials calling AssumeRole on the STS stand-in, and prefetch. The upstream metadata
 * service is a closed loopback port: nothing here may reach a real one.
 */
class MetadataPathIT {

    private static final String ROLE = "arn:aws:iam::111122223333:role/team-a-reader";

    private static StandIns standIns;
    private static Metrics metrics;
    private static Agent agent;
    private static InetSocketAddress metadata;

    @BeforeAll
    static void start() {
        standIns = StandIns.start();
        standIns.namespace("team-a", Map.of("iam.amazonaws.com/allowed-roles",
                "[\"arn:aws:iam::111122223333:role/team-a-*\"]"));
        standIns.namespace("team-b", Map.of());
        TestPods.create(standIns.client(), TestPods.pod("team-a", "reader-1").node(TestPods.NODE)
                .serviceAccount("default").annotation("iam.amazonaws.com/role", ROLE).ips("127.0.0.1")
                .phase("Running").build());
        TestPods.create(standIns.client(), TestPods.pod("team-b", "sneaky-1").node(TestPods.NODE)
                .serviceAccount("default").annotation("iam.amazonaws.com/role", ROLE).ips("127.0.0.2")
                .phase("Running").build());
        var config = ServeOptions.parse(Map.of(),
                "--node-name", TestPods.NODE,
                "--container-listen", "",
                "--metadata-listen", "127.0.0.1:0",
                "--probe-listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0",
                "--credential-source", "assume-role",
                "--cluster-name", "test-cluster",
                "--imdsv2-required", "true",
                "--metadata-upstream", "http://127.0.0.1:1",
                "--sts-endpoint", standIns.sts().endpoint().toString());
        metrics = Metrics.create();
        var node = NodeKeys.fixed(AwsKeys.of(FakeSts.NODE_ACCESS_KEY_ID, FakeSts.NODE_SECRET_ACCESS_KEY));
        agent = Agent.start(config, new Agent.Wiring(standIns.client(), PodSelector.clientSideOnly(TestPods.NODE),
                "us-east-1", node, metrics));
        agent.podsSynced().orTimeout(30, TimeUnit.SECONDS).join();
        metadata = agent.bound("metadata").getFirst().toSocketAddress();
    }

    @AfterAll
    static void stop() {
        agent.close();
        standIns.close();
        metrics.close();
    }

    @AfterEach
    void clear() {
        System.clearProperty("aws.ec2MetadataServiceEndpoint");
    }

    @Test
    void prefetchedRoleReachesTheSdkOverImdsV2WithoutAnStsCallOnItsPath() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> standIns.sts().calls("AssumeRole").stream()
                .anyMatch(c -> ROLE.equals(c.roleArn()) && c.tags().get("kubernetes-pod-name").equals("reader-1")));
        int callsBefore = standIns.sts().calls().size();

        System.setProperty("aws.ec2MetadataServiceEndpoint", "http://127.0.0.1:" + metadata.getPort());
        try (var provider = InstanceProfileCredentialsProvider.builder().build()) {
            var credentials = provider.resolveCredentials();
            assertThat(standIns.sts().roleOf(credentials.accessKeyId())).contains(ROLE);
        }
        assertThat(standIns.sts().calls()).as("served from the prefetched cache").hasSize(callsBefore);
        var call = standIns.sts().calls("AssumeRole").getFirst();
        assertThat(call.signedBy()).isEqualTo(FakeSts.NODE_ACCESS_KEY_ID);
        assertThat(call.tags()).containsEntry("kubernetes-namespace", "team-a")
                .containsEntry("eks-cluster-name", "test-cluster");
    }

    @Test
    void podWhoseNamespaceDoesNotAllowTheRoleIsRefused() throws Exception {
        var token = RawHttp.send("PUT", "127.0.0.2", metadata, "/latest/api/token",
                Map.of("X-aws-ec2-metadata-token-ttl-seconds", "60"));
        assertThat(token.status()).isEqualTo(200);
        var reply = RawHttp.send("GET", "127.0.0.2", metadata,
                "/latest/meta-data/iam/security-credentials/team-a-reader",
                Map.of("X-aws-ec2-metadata-token", token.body()));

        assertThat(reply.status()).as(reply.body()).isEqualTo(403);
        assertThat(reply.body()).contains("team-b").doesNotContain("SecretAccessKey");
        assertThat(standIns.sts().calls("AssumeRole")).as("no STS call for a refused pod, prefetch included")
                .noneMatch(c -> "sneaky-1".equals(c.tags().get("kubernetes-pod-name")));
    }

    @Test
    void imdsV1IsRefusedWhenV2IsRequired() throws Exception {
        var reply = RawHttp.get("127.0.0.1", metadata, "/latest/meta-data/iam/security-credentials/", null);
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.head().toLowerCase(java.util.Locale.ROOT)).contains("server: ec2ws");
    }

    @Test
    void everyExportedMeterIsDocumented() throws Exception {
        RawHttp.get("127.0.0.1", metadata, "/latest/meta-data/instance-id", null);
        var scrape = RawHttp.get("127.0.0.1", agent.bound("metrics").getFirst().toSocketAddress(), "/metrics", null);
        assertThat(scrape.body()).contains("iamlet_metadata_");
        var drift = io.iamlet.metrics.MetricsDocCheck.check(io.iamlet.metrics.MetricsDocCheck.page(), scrape.body(),
                "iamlet_");
        assertThat(drift.presentButUndocumented()).as("every exported iamlet_ meter is in docs/metrics.md").isEmpty();
    }
}
