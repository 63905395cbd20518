package io.iamlet.credentials.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.MetadataStandIn;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's own keys, in the AWS SDK's order, each source against a loopback stand-in. No test reaches the real
 * instance metadata address: every chain here either disables instance metadata or points it at a stand-in.
 */
class NodeKeyChainIT {

    private static final Map<String, String> NO_IMDS = Map.of("AWS_EC2_METADATA_DISABLED", "true");

    @TempDir
    Path dir;

    private static Map<String, String> env(Map<String, String> base, String... pairs) {
        Map<String, String> env = new HashMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private Properties home() {
        Properties p = new Properties();
        p.setProperty("user.home", dir.toString());
        return p;
    }

    private static NodeKeyChain chain(Map<String, String> env, Properties system) {
        return NodeKeyChain.standard(env, system, () -> {
            throw new AssertionError("no web identity configured");
        }, Clock.systemUTC());
    }

    @Test
    void closingTheChainStopsTheClientsItBuiltForItsLinks() throws Exception {
        // addresses on loopback that nothing here contacts: no keys are asked for
        HttpClient local = LocalHttp.client();
        HttpClient stsHttp = HttpClient.newHttpClient();
        var unsigned = new StsClient(new StsClient.Config(URI.create("http://127.0.0.1:9/"), "us-east-1",
                Duration.ofSeconds(1), Duration.ofSeconds(2), 1), stsHttp, null, Clock.systemUTC());
        Path token = Files.writeString(dir.resolve("token"), "t");
        var chain = NodeKeyChain.standard(Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9",
                "AWS_WEB_IDENTITY_TOKEN_FILE", token.toString(), "AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/n"),
                home(), () -> unsigned, () -> local, Clock.systemUTC());
        assertThat(chain.names()).containsExactly("web identity token file", "instance metadata");
        assertThat(local.isTerminated()).isFalse();

        chain.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> local.isTerminated() && stsHttp.isTerminated());
    }

    @Test
    void systemPropertiesComeBeforeTheEnvironment() {
        Properties system = home();
        system.setProperty("aws.accessKeyId", "AKIAPROPERTIES");
        system.setProperty("aws.secretAccessKey", "s1");

        var chain = chain(env(NO_IMDS, "AWS_ACCESS_KEY_ID", "AKIAENV", "AWS_SECRET_ACCESS_KEY", "s2"), system);

        assertThat(chain.keys().join().accessKeyId()).isEqualTo("AKIAPROPERTIES");
        assertThat(chain.names()).containsExactly("system properties", "environment variables");
    }

    @Test
    void environmentKeysWithASessionToken() {
        var chain = chain(env(NO_IMDS, "AWS_ACCESS_KEY_ID", "ASIAENV", "AWS_SECRET_ACCESS_KEY", "s2",
                "AWS_SESSION_TOKEN", "t2"), home());

        assertThat(chain.keys().join()).isEqualTo(new AwsKeys("ASIAENV", "s2", "t2", null));
    }

    @Test
    void theSelectedProfilesStaticKeys() throws Exception {
        Files.createDirectories(dir.resolve(".aws"));
        Files.writeString(dir.resolve(".aws/credentials"), """
                [default]
                aws_access_key_id = AKIADEFAULT
                aws_secret_access_key = d
                [node]
                aws_access_key_id=AKIANODE
                aws_secret_access_key=n
                aws_session_token=nt
                """);

        assertThat(chain(NO_IMDS, home()).keys().join().accessKeyId()).isEqualTo("AKIADEFAULT");
        assertThat(chain(env(NO_IMDS, "AWS_PROFILE", "node"), home()).keys().join())
                .isEqualTo(new AwsKeys("AKIANODE", "n", "nt", null));
    }

    @Test
    void withNothingConfiguredItFailsNamingNoSecret() {
        var chain = chain(NO_IMDS, home());

        assertThatThrownBy(() -> chain.keys().join()).cause().isInstanceOf(StsTransportException.class)
                .hasMessageContaining("no AWS credentials for the node");
    }

    @Test
    void instanceMetadataV2FromTheConfiguredEndpointOnlyWhenFirstNeeded() {
        try (var imds = MetadataStandIn.onLoopback()) {
            var chain = chain(Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint().toString()), home());
            assertThat(chain.names()).containsExactly("instance metadata");
            assertThat(imds.requests()).as("nothing fetched before keys are needed").isEmpty();

            AwsKeys keys = chain.keys().join();
            chain.keys().join();

            assertThat(keys.accessKeyId()).isEqualTo(MetadataStandIn.NODE_ACCESS_KEY_ID);
            assertThat(keys.sessionToken()).isNotNull();
            assertThat(imds.requests()).as("one token, the role's name, its keys; then cached")
                    .extracting(MetadataStandIn.Request::method, MetadataStandIn.Request::path,
                            MetadataStandIn.Request::tokenIssuedHere)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("PUT", "/latest/api/token", false),
                            org.assertj.core.groups.Tuple.tuple("GET", "/latest/meta-data/iam/security-credentials/",
                                    true),
                            org.assertj.core.groups.Tuple.tuple("GET", "/latest/meta-data/iam/security-credentials/"
                                    + MetadataStandIn.NODE_ROLE, true));
        }
    }

    @Test
    void theDefaultInstanceMetadataEndpointIsUsedOnlyWithoutAnOverride() {
        assertThat(InstanceProfileKeys.endpoint(Map.of(), new Properties()))
                .hasToString(InstanceProfileKeys.DEFAULT_ENDPOINT);
        assertThat(InstanceProfileKeys.endpoint(Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"),
                new Properties())).hasToString("http://127.0.0.1:9");
        assertThat(chain(NO_IMDS, home()).names()).doesNotContain("instance metadata");
    }

    @Test
    void theContainerEndpointWithItsAuthorizationTokenFile() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/creds", exchange -> {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = ("{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"cs\",\"Token\":\"ct\","
                    + "\"Expiration\":\"2099-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Path token = Files.writeString(dir.resolve("token"), "container-auth\n");
            var chain = chain(env(NO_IMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.toString(),
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-a-file-is-given"), home());

            assertThat(chain.keys().join()).isEqualTo(new AwsKeys("ASIACONTAINER", "cs", "ct",
                    java.time.Instant.parse("2099-01-01T00:00:00Z")));
            assertThat(authorizations).containsExactly("container-auth");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aContainerFullUriOverPlainHttpMustBeLocal() {
        assertThatThrownBy(() -> chain(env(NO_IMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/c"),
                home())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }

    @Test
    void webIdentityAssumesTheNodesRoleWithTheTokenFile() throws Exception {
        try (FakeSts sts = FakeSts.start()) {
            Path token = Files.writeString(dir.resolve("web-token"), "node.web.token");
            var unsigned = new StsClient(new StsClient.Config(sts.endpoint(), "us-east-1", Duration.ofSeconds(5),
                    Duration.ofSeconds(10), 1), HttpClient.newHttpClient(), null, Clock.systemUTC());
            var chain = NodeKeyChain.standard(env(NO_IMDS, "AWS_WEB_IDENTITY_TOKEN_FILE", token.toString(),
                    "AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/node", "AWS_ROLE_SESSION_NAME", "node-1"),
                    home(), () -> unsigned, Clock.systemUTC());

            AwsKeys keys = chain.keys().join();
            chain.keys().join();

            assertThat(sts.roleOf(keys.accessKeyId())).contains("arn:aws:iam::111122223333:role/node");
            assertThat(sts.calls()).hasSize(1).first().satisfies(c -> assertThat(c.sessionName()).isEqualTo("node-1"));
            unsigned.close();
        }
    }
}
