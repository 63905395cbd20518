package io.iamlet.e2e.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.iamlet.e2e.node.SimulatedNode.PodNet;
import io.iamlet.injection.InjectionNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The admission webhook on the simulated node: {@code iamlet webhook} from the packaged jar, a process of its own in
 * the node namespace against the stand-ins' API server (it creates its CA and serving certificate in a Secret and
 * publishes the caBundle), the API server's side played by {@link ClusterCalls}, and the kubelet's side (the
 * projected token file at the mutated mount path, the mutated environment) played here for one pod.
 */
final class WebhookCases implements AutoCloseable {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private final SimulatedNode node;
    private final StandInsProcess standIns;
    private final PodClients clients;
    private final Path launcher;
    private final Path work;
    private NodeProcess webhook;

    WebhookCases(SimulatedNode node, StandInsProcess standIns, PodClients clients, Path launcher, Path work) {
        this.node = node;
        this.standIns = standIns;
        this.clients = clients;
        this.launcher = launcher;
        this.work = work;
    }

    /** The webhook configuration as {@code kubectl apply -k daemonset/webhook} leaves it, then the webhook. */
    void start() {
        Shell.Result configured = clusterCall(List.of("configure"));
        if (!configured.ok()) {
            throw new AssertionError("creating the MutatingWebhookConfiguration: " + configured.describe());
        }
        CountDownLatch serving = new CountDownLatch(1);
        webhook = NodeProcess.start("webhook", node.inNode(List.of(launcher.toString(), "webhook",
                        "--namespace", "iamlet-system", "--bind-address", SimulatedNode.HOST_IP, "--port", "8443",
                        "--log-format", "text")),
                Map.of("PATH", Shell.PATH, "HOME", work.resolve("out").toString(),
                        "KUBECONFIG", standIns.kubeconfig().toString()),
                work.resolve("logs/webhook.log"), line -> {
                    if (line.contains("webhook serving on")) {
                        serving.countDown();
                    }
                });
        try {
            if (!serving.await(90, TimeUnit.SECONDS)) {
                throw new AssertionError("the webhook did not start serving:\n" + webhook.logTail(4000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM: the webhook is down, as during a rollout gone wrong. */
    void stop() {
        if (webhook != null) {
            webhook.stop(Duration.ofSeconds(10));
        }
    }

    /** What came out of admission for a Deployment's pod of {@code serviceAccount}. */
    record Admitted(Pod pod, boolean webhookReached, String how) {
        Container app() {
            return pod.getSpec().getContainers().getFirst();
        }

        Map<String, String> environment() {
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar v : app().getEnv() == null ? List.<EnvVar>of() : app().getEnv()) {
                if (v.getValue() != null) {
                    env.put(v.getName(), v.getValue());
                }
            }
            return env;
        }

        /** Where the container mounts the injected volume, and the token's file name and audience in it. */
        Path tokenFile() {
            VolumeMount mount = app().getVolumeMounts().stream()
                    .filter(m -> InjectionNames.VOLUME_NAME.equals(m.getName())).findFirst().orElseThrow();
            return Path.of(mount.getMountPath()).resolve(projection().getPath());
        }

        ServiceAccountTokenProjection projection() {
            Volume volume = pod.getSpec().getVolumes().stream()
                    .filter(v -> InjectionNames.VOLUME_NAME.equals(v.getName())).findFirst().orElseThrow();
            return volume.getProjected().getSources().getFirst().getServiceAccountToken();
        }
    }

    /** The API server's CREATE of a pod: through the webhook if it answers, unchanged if not (failure policy Ignore). */
    Admitted admit(String namespace, String serviceAccount) {
        Path out = work.resolve("out/admitted-" + System.nanoTime() + ".json");
        Shell.Result r = clusterCall(List.of("mutate", namespace, serviceAccount, out.toString()));
        if (!r.ok()) {
            throw new AssertionError("admission: " + r.describe());
        }
        try {
            return new Admitted(JSON.unmarshal(Files.readString(out), Pod.class), r.out().contains("mutated"),
                    r.out().strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The namespace's Events, as the API server holds them. */
    List<JsonNode> events(String namespace) {
        Shell.Result r = clusterCall(List.of("events", namespace));
        if (!r.ok()) {
            throw new AssertionError("listing events: " + r.describe());
        }
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("[]");
        return JsonChannel.JSON.readTree(last).valueStream().toList();
    }

    /**
     * The pod's container as the kubelet would start it from {@code admitted}: in {@code pod}'s network namespace,
     * with a private mount namespace where the projected token ({@code token}, the stand-ins' token of that pod) sits
     * at the mutated mount path, and exactly the mutated environment; the AWS SDK for Java v2's default chain then
     * asks for credentials. Returns the client's JSON answer.
     */
    JsonNode runSdk(PodNet pod, Admitted admitted, Path token) {
        Path file = admitted.tokenFile();
        Map<String, String> env = new LinkedHashMap<>(clients.environment(pod, null));
        env.put("AWS_EC2_METADATA_DISABLED", "true"); // a refusal must not fall through to the IMDS path
        env.putAll(admitted.environment());
        List<String> argv = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                // a tmpfs over /run (and so /var/run) in this mount namespace only: nothing lands on the host
                "set -e; mount -t tmpfs -o size=1m iamlet-e2e /run; mkdir -p \"$2\"; cp \"$1\" \"$2/$3\"; "
                        + "shift 3; exec \"$@\"",
                "sh", token.toString(), file.getParent().toString(), file.getFileName().toString()));
        argv.addAll(clients.javaCommand(pod, "-Xmx64m", EnvCredentialsPod.class, List.of()));
        Shell.Result r = Shell.run(pod.exec(argv), env, Duration.ofSeconds(90));
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        if (!last.startsWith("{")) {
            throw new AssertionError("the pod's SDK gave no answer: " + r.describe());
        }
        return JsonChannel.JSON.readTree(last);
    }

    private Shell.Result clusterCall(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> argv = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx128m", "-cp", classpath, ClusterCalls.class.getName()));
        argv.addAll(args);
        return Shell.run(node.inNode(argv), Map.of("PATH", Shell.PATH, "HOME", work.resolve("out").toString(),
                "KUBECONFIG", standIns.kubeconfig().toString()), Duration.ofSeconds(90));
    }

    @Override
    public void close() {
        if (webhook != null) {
            webhook.close();
        }
    }
}
