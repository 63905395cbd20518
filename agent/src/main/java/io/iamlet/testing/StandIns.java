package io.iamlet.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * A cluster and an AWS account on loopback: the fabric8 mock API server (CRUD, plus the service-account issuer's
 * discovery documents), a token signer whose keys that server publishes, and an STS stand-in. What iamlet needs
 * to run end to end with no cluster and no AWS account.
 */
public final class StandIns implements AutoCloseable {

    private final KubernetesMockServer apiServer;
    private final KubernetesClient client;
    private final TestTokens tokens;
    private final FakeSts sts;

    private StandIns(KubernetesMockServer apiServer, TestTokens tokens, FakeSts sts) {
        this.apiServer = apiServer;
        this.client = apiServer.createClient();
        this.tokens = tokens;
        this.sts = sts;
    }

    /** The mock server reports every request through java.util.logging: keep a reference, or the level is lost. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    /** Starts all three on loopback. */
    public static StandIns start() {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        var server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        TestTokens tokens = TestTokens.standard();
        tokens.serveDiscovery(server);
        return new StandIns(server, tokens, FakeSts.start());
    }

    public KubernetesClient client() {
        return client;
    }

    public KubernetesMockServer apiServer() {
        return apiServer;
    }

    public TestTokens tokens() {
        return tokens;
    }

    public FakeSts sts() {
        return sts;
    }

    /** Creates a namespace with the given annotations. */
    public void namespace(String name, Map<String, String> annotations) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .withAnnotations(annotations).endMetadata().build()).create();
    }

    /** Creates a service account, annotated with {@code eks.amazonaws.com/role-arn} when roleArn is not null. */
    public void serviceAccount(String namespace, String name, String roleArn) {
        var meta = new ServiceAccountBuilder().withNewMetadata().withNamespace(namespace).withName(name);
        if (roleArn != null) {
            meta.addToAnnotations("eks.amazonaws.com/role-arn", roleArn);
        }
        client.serviceAccounts().inNamespace(namespace).resource(meta.endMetadata().build()).create();
    }

    /** Creates a running pod on {@code node} at {@code ip}; returns it as stored (with the uid the server gave). */
    public Pod runningPod(String namespace, String name, String serviceAccount, String node, String ip) {
        return TestPods.create(client, TestPods.pod(namespace, name).node(node).serviceAccount(serviceAccount)
                .ips(ip).phase("Running").build());
    }

    /** A projected token (default audience, one hour) for the pod as stored. */
    public String tokenFor(Pod pod) {
        var m = pod.getMetadata();
        String sa = pod.getSpec().getServiceAccountName();
        return tokens.token(m.getNamespace(), m.getName(), m.getUid(), sa, "sa-uid-" + sa);
    }

    @Override
    public void close() {
        client.close();
        apiServer.destroy();
        sts.close();
    }
}
