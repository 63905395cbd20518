package io.iamlet.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;

/**
 * A cluster and an AWS account on loopback: the fabric8 mock API server (CRUD, plus the service-account issuer's
 * discovery documents), a token signer whose keys that server publishes, and an STS stand-in. What iamlet needs
 * to run end to end with no cluster and no AWS account.
 *
 * <p>Pods created here carry a label equal to their {@code spec.nodeName}, through which the API server answers
 * iamlet's production {@code spec.nodeName} field selector (see {@link NodeSelectorDispatcher}). Started with a
 * {@link ClusterScale}, the API server also answers generated pods on other nodes, namespaces and service accounts
 * (see {@link ScaleDispatcher}) without storing them.
 */
public final class StandIns implements AutoCloseable {

    private final KubernetesMockServer apiServer;
    private final InetAddress bind;
    private final KubernetesClient client;
    private final TestTokens tokens;
    private final FakeSts sts;
    private final boolean https;

    private StandIns(KubernetesMockServer apiServer, InetAddress bind, TestTokens tokens, FakeSts sts,
            boolean https) {
        this.apiServer = apiServer;
        this.bind = bind;
        this.https = https;
        this.client = apiServer.createClient();
        this.tokens = tokens;
        this.sts = sts;
    }

    /** The mock server reports every request through java.util.logging: keep a reference, or the level is lost. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    /** Starts all three on loopback. */
    public static StandIns start() {
        return start(InetAddress.getLoopbackAddress());
    }

    /** Starts the API server and STS on ephemeral ports of {@code bind} (plain HTTP). */
    public static StandIns start(InetAddress bind) {
        return start(bind, ClusterScale.NONE, null);
    }

    /**
     * {@link #start(InetAddress)} with an API server that also holds the generated objects of {@code scale}: pods on
     * nodes other than {@code node}, namespaces and service accounts.
     */
    public static StandIns start(InetAddress bind, ClusterScale scale, String node) {
        return start(bind, scale, node, false);
    }

    /**
     * {@link #start(InetAddress, ClusterScale, String)}, the API server over https when {@code https} (its
     * certificate, self-signed, names localhost and 127.0.0.1: {@link #writeApiServerCa} writes it for a client to
     * trust as the cluster's CA).
     */
    public static StandIns start(InetAddress bind, ClusterScale scale, String node, boolean https) {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        Dispatcher dispatcher = new NodeSelectorDispatcher(new KubernetesMixedDispatcher(expectations));
        if (!scale.isNone()) {
            Objects.requireNonNull(node, "node (no generated pod is on it)");
            dispatcher = new ScaleDispatcher(dispatcher, new GeneratedCluster(scale, node), node);
        }
        var server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, dispatcher, https);
        server.init(bind, 0);
        TestTokens tokens = TestTokens.standard();
        tokens.serveDiscovery(server);
        return new StandIns(server, bind, tokens, FakeSts.start(Clock.systemUTC(), bind), https);
    }

    /** The API server's base URL, e.g. {@code http://10.231.0.1:41234}. */
    public URI apiServerUrl() {
        String host = bind.getHostAddress();
        return URI.create((https ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + apiServer.getPort());
    }

    /**
     * Writes the https API server's certificate (PEM) to {@code file}, as read from a TLS handshake with it: the CA
     * a client configures to trust this API server, as a pod's {@code ca.crt} is a cluster's.
     */
    public void writeApiServerCa(Path file) {
        if (!https) {
            throw new IllegalStateException("the API server speaks plain http");
        }
        try {
            Files.writeString(file, Certificates.pem(Certificates.presentedBy(bind, apiServer.getPort())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a kubeconfig that points a Kubernetes client (iamlet's {@code KUBECONFIG}) at the API server. */
    public void writeKubeconfig(Path file) {
        writeKubeconfig(file, null);
    }

    /** As above, trusting the https API server through {@code ca} (its certificate, see {@link #writeApiServerCa}). */
    public void writeKubeconfig(Path file, Path ca) {
        String yaml = String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: stand-ins",
                "  cluster:",
                "    server: " + apiServerUrl(),
                ca == null ? "" : "    certificate-authority: " + ca,
                "users:",
                "- name: iamlet",
                "  user:",
                "    token: stand-ins-accept-anything",
                "contexts:",
                "- name: stand-ins",
                "  context:",
                "    cluster: stand-ins",
                "    user: iamlet",
                "current-context: stand-ins",
                "");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        return runningPod(namespace, name, serviceAccount, node, ip, Map.of());
    }

    /** {@link #runningPod(String, String, String, String, String)} with pod annotations. */
    public Pod runningPod(String namespace, String name, String serviceAccount, String node, String ip,
                          Map<String, String> annotations) {
        var builder = TestPods.pod(namespace, name).node(node).serviceAccount(serviceAccount).ips(ip).phase("Running");
        annotations.forEach(builder::annotation);
        Pod pod = new PodBuilder(builder.build()).editMetadata()
                .addToLabels(NodeSelectorDispatcher.NODE_LABEL, node).endMetadata().build();
        return TestPods.create(client, pod);
    }

    /** Creates everything {@code spec} lists; returns the pods as stored, in the spec's order. */
    public java.util.List<Pod> seed(ClusterSpec spec) {
        spec.namespaces().forEach(ns -> namespace(ns.name(), ns.annotations()));
        spec.serviceAccounts().forEach(sa -> serviceAccount(sa.namespace(), sa.name(), sa.roleArn()));
        return spec.pods().stream().map(p -> p.onNode(spec.node()))
                .map(p -> runningPod(p.namespace(), p.name(), p.serviceAccount(), p.node(), p.ip(), p.annotations()))
                .toList();
    }

    /** A projected token (default audience, one hour) for the pod as stored. */
    public String tokenFor(Pod pod) {
        var m = pod.getMetadata();
        String sa = pod.getSpec().getServiceAccountName();
        return tokens.token(m.getNamespace(), m.getName(), m.getUid(), sa, "sa-uid-" + sa);
    }

    /** Writes the pod's projected token to {@code file} as the kubelet does: no trailing newline. */
    public void writeToken(Pod pod, Path file) {
        try {
            Files.writeString(file, tokenFor(pod));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        client.close();
        apiServer.destroy();
        sts.close();
    }
}
