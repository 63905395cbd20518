package io.iamlet.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The control channel of {@code iamlet stand-ins}: one JSON object per line in, one line {@value #PREFIX}{@code
 * {json}} per answer out (log lines may interleave on the same stream; the prefix tells them apart). What a test
 * outside the node's network namespace needs from inside it:
 *
 * <ul>
 *   <li>{@code {"op":"add-pod","namespace":..,"name":..,"serviceAccount":..,"ip":..,"annotations":{..}}}: a running
 *       pod on this node, its token written; answers the pod (below).</li>
 *   <li>{@code {"op":"delete-pod","namespace":..,"name":..}}: the pod deleted for good.</li>
 *   <li>{@code {"op":"role-of","accessKeyId":..}}: the role the STS stand-in issued that key for and the action
 *       that issued it ({@code AssumeRoleWithWebIdentity}: the container path; {@code AssumeRole}: the metadata
 *       path); both null when it issued no such key.</li>
 *   <li>{@code {"op":"http","method":"GET","url":..}}: an HTTP exchange from the node's namespace (iamlet's probes
 *       listen on the node's loopback); answers {@code status} and {@code body}, or {@code error}.</li>
 *   <li>{@code {"op":"metadata-requests"}}: what the metadata stand-in received.</li>
 * </ul>
 *
 * A pod is answered as {@code {namespace, name, uid, ip, serviceAccount, roleArn, podRole, tokenFile}}: roleArn from
 * its service account's annotation, podRole from its {@code iam.amazonaws.com/role} annotation. Every answer echoes
 * the request's {@code id} and carries {@code ok}; a failed command answers {@code ok:false} and {@code error}.
 */
public final class StandInsControl {

    public static final String PREFIX = "STANDINS ";
    private static final String POD_ROLE_ANNOTATION = "iam.amazonaws.com/role";

    private final StandIns standIns;
    private final MetadataStandIn metadata;
    private final String node;
    private final Path tokens;
    private final PrintStream out;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .proxy(HttpClient.Builder.NO_PROXY).build();

    private final Path apiServerCa;

    public StandInsControl(StandIns standIns, MetadataStandIn metadata, String node, Path tokens, PrintStream out) {
        this(standIns, metadata, node, tokens, out, null);
    }

    /** As above, the ready line also naming {@code apiServerCa}, the https API server's certificate (or null). */
    public StandInsControl(StandIns standIns, MetadataStandIn metadata, String node, Path tokens, PrintStream out,
            Path apiServerCa) {
        this.standIns = standIns;
        this.metadata = metadata;
        this.node = node;
        this.tokens = tokens;
        this.out = out;
        this.apiServerCa = apiServerCa;
    }

    /** Records seeded pods, writes their tokens, and prints the ready line with every address the test needs. */
    public void ready(List<Pod> seeded, Path kubeconfig) {
        ready(seeded, kubeconfig, null);
    }

    /**
     * {@link #ready(List, Path)}, the line also saying how many objects the API server holds ({@code cluster}:
     * pods, namespaces, service accounts, generated ones included).
     */
    public void ready(List<Pod> seeded, Path kubeconfig, Map<String, Integer> holds) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "ready");
        line.put("apiServer", standIns.apiServerUrl().toString());
        if (apiServerCa != null) {
            line.put("apiServerCa", apiServerCa.toString());
        }
        line.put("sts", standIns.sts().endpoint().toString());
        line.put("metadata", metadata.endpoint().toString());
        line.put("kubeconfig", kubeconfig.toString());
        line.put("node", node);
        if (holds != null) {
            line.put("cluster", holds);
        }
        line.put("pods", seeded.stream().map(this::remember).toList());
        print(line);
    }

    /** Answers commands until {@code in} ends. */
    public void serve(InputStream in) throws IOException {
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.isBlank()) {
                print(answer(line));
            }
        }
    }

    Map<String, Object> answer(String line) {
        Map<String, Object> reply = new LinkedHashMap<>();
        JsonNode request;
        try {
            request = json.readTree(line);
        } catch (RuntimeException e) {
            reply.put("ok", false);
            reply.put("error", "not JSON: " + e.getMessage());
            return reply;
        }
        reply.put("id", request.path("id").asString(""));
        try {
            String op = request.path("op").asString("");
            switch (op) {
                case "add-pod" -> reply.put("pod", addPod(request));
                case "delete-pod" -> deletePod(request.path("namespace").asString(), request.path("name").asString());
                case "role-of" -> {
                    String key = request.path("accessKeyId").asString("");
                    reply.put("role", standIns.sts().roleOf(key).orElse(null));
                    reply.put("action", standIns.sts().calls().stream().filter(c -> key.equals(c.issuedAccessKeyId()))
                            .map(FakeStsCall::action).findFirst().orElse(null));
                }
                case "http" -> reply.putAll(http(request.path("method").asString("GET"), request.path("url").asString()));
                case "metadata-requests" -> reply.put("requests", metadata.requests());
                default -> throw new IllegalArgumentException("unknown op '" + op + "'");
            }
            reply.put("ok", true);
        } catch (RuntimeException e) {
            reply.put("ok", false);
            reply.put("error", e.toString());
        }
        return reply;
    }

    private Map<String, Object> addPod(JsonNode request) {
        Map<String, String> annotations = new LinkedHashMap<>();
        request.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asString()));
        Pod pod = standIns.runningPod(request.path("namespace").asString(), request.path("name").asString(),
                request.path("serviceAccount").asString("default"), node, request.path("ip").asString(), annotations);
        return remember(pod);
    }

    private void deletePod(String namespace, String name) {
        Pod pod = pods.remove(namespace + "/" + name);
        if (pod == null) {
            throw new IllegalArgumentException("no pod " + namespace + "/" + name + " created here");
        }
        TestPods.delete(standIns.client(), pod);
    }

    private Map<String, Object> http(String method, String url) {
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            result.put("status", response.statusCode());
            result.put("body", response.body());
        } catch (IOException e) {
            result.put("status", 0);
            result.put("error", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return result;
    }

    private Map<String, Object> remember(Pod pod) {
        var meta = pod.getMetadata();
        pods.put(meta.getNamespace() + "/" + meta.getName(), pod);
        Path tokenFile = tokens.resolve(meta.getNamespace() + "." + meta.getName() + ".token");
        standIns.writeToken(pod, tokenFile);
        String sa = pod.getSpec().getServiceAccountName();
        ServiceAccount account = standIns.client().serviceAccounts().inNamespace(meta.getNamespace()).withName(sa).get();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("namespace", meta.getNamespace());
        info.put("name", meta.getName());
        info.put("uid", meta.getUid());
        info.put("ip", pod.getStatus().getPodIP());
        info.put("serviceAccount", sa);
        info.put("roleArn", account == null || account.getMetadata().getAnnotations() == null ? null
                : account.getMetadata().getAnnotations().get("eks.amazonaws.com/role-arn"));
        info.put("podRole", meta.getAnnotations() == null ? null : meta.getAnnotations().get(POD_ROLE_ANNOTATION));
        info.put("tokenFile", tokenFile.toString());
        return info;
    }

    private void print(Map<String, Object> line) {
        String text = json.writeValueAsString(line);
        synchronized (out) {
            out.println(PREFIX + text);
            out.flush();
        }
    }
}
