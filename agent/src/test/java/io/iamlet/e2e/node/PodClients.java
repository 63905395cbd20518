package io.iamlet.e2e.node;

import io.iamlet.e2e.node.Matrix.Client;
import io.iamlet.e2e.node.SimulatedNode.PodNet;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * Runs the real clients inside pod namespaces, each with an environment of its own (a fresh HOME, no AWS config or
 * credentials files, no proxy, nothing inherited from the test), the way a container starts: the Java SDK in one
 * long-lived JVM per pod ({@link JavaPodClient}), the JavaScript SDK and boto3 as one process per run
 * ({@code e2e/clients/}), Debian's awscli as {@code aws sts get-caller-identity} against the STS stand-in.
 */
final class PodClients implements AutoCloseable {

    /**
     * What a client came back with; never a secret. {@code how}: the chain member that answered, where the SDK tells;
     * {@code status} and {@code body} for raw HTTP only (a credentials body is reduced to its access key id).
     */
    record Outcome(boolean ok, String accessKeyId, String arn, String how, int status, String body, String error,
                   Duration took) {
        String brief() {
            return ok ? (accessKeyId != null ? accessKeyId : "") + (arn != null ? arn : "")
                    + (how == null || how.isEmpty() ? "" : " via " + how)
                    : "no credentials: " + Shell.tail(String.valueOf(error).replace('\n', ' '), 300);
        }
    }

    static final String CONTAINER_URI = "http://169.254.170.23/v1/credentials";

    private final SimulatedNode node;
    private final Path repo;
    private final Path work;
    private final String python;
    private final URI sts;
    private final Map<Integer, JsonChannel> javaClients = new ConcurrentHashMap<>();
    private final List<NodeProcess> processes = new ArrayList<>();

    PodClients(SimulatedNode node, Path repo, Path work, String python, URI sts) {
        this.node = node;
        this.repo = repo;
        this.work = work;
        this.python = python;
        this.sts = sts;
    }

    /** Starts one Java SDK JVM in each pod namespace (in parallel; a JVM start is the costly part). */
    void startJavaClients() {
        List<Thread> starting = new ArrayList<>();
        for (PodNet pod : node.pods()) {
            starting.add(Thread.ofVirtual().start(() -> javaClients.put(pod.index(), startJava(pod))));
        }
        for (Thread t : starting) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (javaClients.size() != node.pods().size()) {
            throw new AssertionError("not every pod's Java client started: " + javaClients.keySet());
        }
    }

    private JsonChannel startJava(PodNet pod) {
        List<String> argv = pod.exec(javaCommand(pod, "-Xmx128m", JavaPodClient.class, List.of()));
        JsonChannel channel = new JsonChannel(JavaPodClient.PREFIX);
        NodeProcess process = NodeProcess.start("java-client-pod" + pod.index(), argv, environment(pod, null),
                work.resolve("logs/java-client-pod" + pod.index() + ".log"), channel::onLine);
        channel.attach(process);
        synchronized (processes) {
            processes.add(process);
        }
        try {
            channel.ready(Duration.ofSeconds(60));
        } catch (Exception e) {
            throw new AssertionError("the Java client in pod " + pod.index() + " did not start: " + e + "\n"
                    + process.logTail(3000), e);
        }
        return channel;
    }

    /** A JVM of the test classpath running {@code main}, as {@code pod}'s namespace would start it. */
    List<String> javaCommand(PodNet pod, String heap, Class<?> main, List<String> args) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Shell.concat(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", heap,
                "--enable-native-access=ALL-UNNAMED", "-Duser.home=" + home(pod), "-cp", classpath, main.getName()),
                args);
    }

    /** What {@link #repeat} saw: how many of {@code times} got credentials, each one's time, the keys issued. */
    record Repeated(int succeeded, int times, List<Duration> took, List<String> accessKeyIds, String error) {
        Duration percentile(double p) {
            List<Duration> sorted = took.stream().sorted().toList();
            return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
        }

        Duration max() {
            return percentile(1.0);
        }

        String brief() {
            return succeeded + " of " + times + " got credentials, p50 " + millis(percentile(0.5)) + " ms, max "
                    + millis(max()) + " ms";
        }

        private static String millis(Duration d) {
            return String.format(java.util.Locale.ROOT, "%.1f", d.toNanos() / 1e6);
        }
    }

    /**
     * The Java SDK in {@code pod} fetches credentials {@code times} times in a row through {@code path}, a fresh
     * default chain each time, each timed inside the pod's JVM.
     */
    Repeated repeat(Matrix.Path path, PodNet pod, Path token, int times) {
        Map<String, Object> one = path == Matrix.Path.CONTAINER
                ? Map.of("op", "container", "tokenFile", token.toString()) : Map.of("op", "imds");
        JsonNode answer = javaClients.get(pod.index()).call(Map.of("op", "repeat", "times", times, "command", one),
                Duration.ofSeconds(120));
        List<Duration> took = answer.path("micros").valueStream().map(m -> Duration.ofNanos(m.asLong() * 1000))
                .toList();
        List<String> keys = answer.path("accessKeyIds").valueStream().map(JsonNode::asString).toList();
        return new Repeated(answer.path("succeeded").asInt(0), times, took, keys, text(answer, "error"));
    }

    /** A pod holding slow connections ({@link SlowlorisPod}); {@link #status()} says how many. */
    final class Slowloris implements AutoCloseable {
        private final NodeProcess process;
        private final JsonChannel channel;

        private Slowloris(NodeProcess process, JsonChannel channel) {
            this.process = process;
            this.channel = channel;
        }

        /** Per address: {@code address}, {@code held}, {@code closedAtOnce}, {@code opened}. */
        List<JsonNode> status() {
            return channel.call(Map.of("op", "status"), Duration.ofSeconds(30)).path("targets").valueStream()
                    .toList();
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /** Starts {@link SlowlorisPod} in {@code pod}: {@code connections} slow connections to each of {@code targets}. */
    Slowloris slowloris(PodNet pod, int connections, List<String> targets) {
        List<String> args = new ArrayList<>(List.of(Integer.toString(connections)));
        args.addAll(targets);
        JsonChannel channel = new JsonChannel(SlowlorisPod.PREFIX);
        NodeProcess process = NodeProcess.start("slowloris-pod" + pod.index(),
                pod.exec(javaCommand(pod, "-Xmx64m", SlowlorisPod.class, args)), environment(pod, null),
                work.resolve("logs/slowloris-pod" + pod.index() + ".log"), channel::onLine);
        channel.attach(process);
        synchronized (processes) {
            processes.add(process);
        }
        try {
            channel.ready(Duration.ofSeconds(60));
        } catch (Exception e) {
            process.close();
            throw new AssertionError("the slowloris in pod " + pod.index() + " did not start: " + e + "\n"
                    + process.logTail(3000), e);
        }
        return new Slowloris(process, channel);
    }

    /** Asks {@code client} in {@code pod} for credentials through {@code path}; {@code token} for the container. */
    Outcome credentials(Client client, Matrix.Path path, PodNet pod, Path token) {
        boolean container = path == Matrix.Path.CONTAINER;
        return switch (client) {
            case JAVA -> java(pod, container ? Map.of("op", "container", "tokenFile", token.toString())
                    : Map.of("op", "imds"));
            case JS -> script(pod, container ? token : null, List.of("node",
                    repo.resolve("e2e/clients/js-client.mjs").toString(), container ? "container" : "imds"));
            case PYTHON -> script(pod, container ? token : null, List.of(python,
                    repo.resolve("e2e/clients/py_client.py").toString(), container ? "container" : "imds"));
            case AWSCLI -> awscli(pod, container ? token : null);
            default -> throw new IllegalArgumentException(client + " does not fetch credentials");
        };
    }

    /** A raw HTTP exchange from the pod (through its Java client's JVM). */
    Outcome http(PodNet pod, String method, String url, Map<String, String> headers) {
        return java(pod, Map.of("op", "http", "method", method, "url", url, "headers", headers));
    }

    /** A bare TCP connect from the pod ({@code bash}'s /dev/tcp): ok when it connected. */
    Outcome tcp(PodNet pod, String address, int port) {
        Shell.Result r = Shell.run(pod.exec(List.of("timeout", "10", "/bin/bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + port)), environment(pod, null), Duration.ofSeconds(20));
        return new Outcome(r.ok(), null, null, "", 0, null, r.ok() ? null : r.err().strip(), r.took());
    }

    private Outcome java(PodNet pod, Map<String, Object> command) {
        long start = System.nanoTime();
        JsonNode answer = javaClients.get(pod.index()).call(command, Duration.ofSeconds(90));
        return new Outcome(answer.path("ok").asBoolean(false), text(answer, "accessKeyId"), null,
                text(answer, "provider"), answer.path("status").asInt(0), text(answer, "body"), text(answer, "error"),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private Outcome script(PodNet pod, Path token, List<String> command) {
        Shell.Result r = Shell.run(pod.exec(command), environment(pod, token), Duration.ofSeconds(60));
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        JsonNode answer;
        try {
            answer = JsonChannel.JSON.readTree(last);
        } catch (RuntimeException e) {
            return new Outcome(false, null, null, "", 0, null, "no JSON answer: " + r.describe(), r.took());
        }
        return new Outcome(answer.path("ok").asBoolean(false), text(answer, "accessKeyId"), null,
                text(answer, "method"), 0, null, text(answer, "error"), r.took());
    }

    private Outcome awscli(PodNet pod, Path token) {
        Shell.Result r = Shell.run(pod.exec(List.of("/usr/bin/aws", "sts", "get-caller-identity",
                "--endpoint-url", sts.toString(), "--region", "us-east-1", "--output", "json")),
                environment(pod, token), Duration.ofSeconds(60));
        if (!r.ok()) {
            return new Outcome(false, null, null, "", 0, null, r.err().strip(), r.took());
        }
        JsonNode answer = JsonChannel.JSON.readTree(r.out());
        return new Outcome(true, null, text(answer, "Arn"), "sts:GetCallerIdentity", 0, null, null, r.took());
    }

    Map<String, String> environment(PodNet pod, Path token) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", Shell.PATH);
        env.put("HOME", home(pod).toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_CONFIG_FILE", home(pod).resolve("no-aws-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home(pod).resolve("no-aws-credentials").toString());
        env.put("AWS_PAGER", "");
        if (token != null) {
            env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", CONTAINER_URI);
            env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.toString());
            env.put("AWS_EC2_METADATA_DISABLED", "true"); // a refusal must not fall through to the IMDS path
        }
        return env;
    }

    private Path home(PodNet pod) {
        Path home = work.resolve("home/pod" + pod.index());
        try {
            Files.createDirectories(home);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return home;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isNull() || value.isMissingNode() ? null : value.asString();
    }

    @Override
    public void close() {
        synchronized (processes) {
            processes.forEach(NodeProcess::close);
        }
    }
}
