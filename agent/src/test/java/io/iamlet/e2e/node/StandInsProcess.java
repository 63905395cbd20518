package io.iamlet.e2e.node;

import io.iamlet.testing.StandInsControl;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * {@code iamlet stand-ins} run from the packaged jar inside the node namespace, bound to the node's address, and
 * the test's side of its control channel (see {@link StandInsControl}).
 */
final class StandInsProcess implements AutoCloseable {

    /** A pod as the stand-ins created it. */
    record Pod(String namespace, String name, String uid, String ip, String roleArn, String podRole, Path tokenFile) {
        String key() {
            return namespace + "/" + name;
        }
    }

    private final JsonChannel channel = new JsonChannel(StandInsControl.PREFIX);
    private final NodeProcess process;
    private final Map<String, Pod> added = new java.util.concurrent.ConcurrentHashMap<>();

    private StandInsProcess(SimulatedNode node, Path launcher, Path spec, Path out, Path log) {
        List<String> argv = node.inNode(List.of(launcher.toString(), "stand-ins", "--bind", SimulatedNode.HOST_IP,
                "--spec", spec.toString(), "--out", out.toString(), "--exit-on-eof"));
        this.process = NodeProcess.start("stand-ins", argv,
                Map.of("PATH", Shell.PATH, "HOME", out.toString(), "IAMLET_LOG_FORMAT", "text"), log, channel::onLine);
        channel.attach(process);
    }

    /** Starts the stand-ins and waits for their ready line. */
    static StandInsProcess start(SimulatedNode node, Path launcher, Path spec, Path out, Path log) {
        StandInsProcess standIns = new StandInsProcess(node, launcher, spec, out, log);
        try {
            standIns.channel.ready(Duration.ofSeconds(90));
            return standIns;
        } catch (Exception e) {
            String tail = standIns.process.logTail(3000);
            standIns.close();
            throw new AssertionError("stand-ins did not become ready: " + e + "\n" + tail, e);
        }
    }

    URI sts() {
        return URI.create(channel.ready().path("sts").asString());
    }

    URI metadata() {
        return URI.create(channel.ready().path("metadata").asString());
    }

    Path kubeconfig() {
        return Path.of(channel.ready().path("kubeconfig").asString());
    }

    List<Pod> pods() {
        return channel.ready().path("pods").valueStream().map(StandInsProcess::pod).toList();
    }

    Pod pod(String namespace, String name) {
        return pods().stream().filter(p -> p.namespace().equals(namespace) && p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no seeded pod " + namespace + "/" + name));
    }

    /** Which role the STS stand-in issued a key for, and by which action. */
    record Issued(String role, String action) {
    }

    /** What the STS stand-in issued {@code accessKeyId} for; empty when it issued no such key. */
    Optional<Issued> issued(String accessKeyId) {
        JsonNode answer = call(Map.of("op", "role-of", "accessKeyId", accessKeyId));
        String role = text(answer.path("role"));
        return role == null ? Optional.empty() : Optional.of(new Issued(role, text(answer.path("action"))));
    }

    Pod addPod(String namespace, String name, String serviceAccount, String ip, Map<String, String> annotations) {
        Pod pod = pod(call(Map.of("op", "add-pod", "namespace", namespace, "name", name, "serviceAccount",
                serviceAccount, "ip", ip, "annotations", annotations)).path("pod"));
        added.put(pod.key(), pod);
        return pod;
    }

    /** A pod created by {@link #addPod} (after the seed). */
    Pod added(String namespace, String name) {
        Pod pod = added.get(namespace + "/" + name);
        if (pod == null) {
            throw new IllegalStateException("pod " + namespace + "/" + name + " was not added (yet)");
        }
        return pod;
    }

    void deletePod(String namespace, String name) {
        call(Map.of("op", "delete-pod", "namespace", namespace, "name", name));
    }

    /** Status of a GET made from inside the node namespace (0 when the connection failed). */
    int httpStatus(String url) {
        return call(Map.of("op", "http", "method", "GET", "url", url)).path("status").asInt(0);
    }

    /** Body of a GET made from inside the node namespace (iamlet's metrics listen on the node's loopback). */
    String httpBody(String url) {
        JsonNode answer = call(Map.of("op", "http", "method", "GET", "url", url));
        if (answer.path("status").asInt(0) != 200) {
            throw new AssertionError("GET " + url + " in the node namespace: " + answer);
        }
        return answer.path("body").asString();
    }

    /** What the upstream metadata stand-in received: method, path, tokenPresent, tokenIssuedHere. */
    List<JsonNode> metadataRequests() {
        return call(Map.of("op", "metadata-requests")).path("requests").valueStream().toList();
    }

    private JsonNode call(Map<String, Object> command) {
        JsonNode answer = channel.call(command, Duration.ofSeconds(30));
        if (!answer.path("ok").asBoolean(false)) {
            throw new AssertionError("stand-ins refused " + command.get("op") + ": " + answer.path("error"));
        }
        return answer;
    }

    private static Pod pod(JsonNode p) {
        return new Pod(p.path("namespace").asString(), p.path("name").asString(), p.path("uid").asString(),
                p.path("ip").asString(), text(p.path("roleArn")), text(p.path("podRole")),
                Path.of(p.path("tokenFile").asString()));
    }

    private static String text(JsonNode node) {
        return node.isNull() || node.isMissingNode() ? null : node.asString();
    }

    String logTail(int chars) {
        return process.logTail(chars);
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(5));
    }
}
