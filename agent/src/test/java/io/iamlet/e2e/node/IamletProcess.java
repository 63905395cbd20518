package io.iamlet.e2e.node;

import static org.awaitility.Awaitility.await;

import io.iamlet.testing.FakeSts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code iamlet serve} as the DaemonSet runs it: the packaged jar through {@code bin/iamlet}, a process of its own
 * in the node namespace, with the production pod selector ({@code spec.nodeName}), the default container listeners
 * (169.254.170.23:80 and [fd00:ec2::23]:80) and the node's credentials from the environment (the STS stand-in's node
 * key). Its own SDK never looks for instance metadata ({@code AWS_EC2_METADATA_DISABLED}), and the node namespace
 * has no route there anyway.
 */
final class IamletProcess implements AutoCloseable {

    static final String NODE_NAME = "node-e2e";
    static final String PROBES = "127.0.0.1:2703";
    static final String ALLOWED_ROLES = "arn:aws:iam::111122223333:role/app-*";

    private final NodeProcess process;
    private final Duration startedIn;

    private IamletProcess(NodeProcess process, Duration startedIn) {
        this.process = process;
        this.startedIn = startedIn;
    }

    /** The flags every start uses; {@code extra} adds the metadata path's. */
    static List<String> flags(StandInsProcess standIns, List<String> extra) {
        List<String> flags = new ArrayList<>(List.of("serve",
                "--node-name", NODE_NAME,
                "--host-ip", SimulatedNode.HOST_IP,
                "--probe-listen", PROBES,
                "--metrics-listen", "127.0.0.1:9876",
                "--sts-endpoint", standIns.sts().toString(),
                "--allowed-role-pattern", ALLOWED_ROLES,
                "--unknown-ip-wait", "1s",
                "--shutdown-timeout", "2s",
                "--log-format", "text"));
        flags.addAll(extra);
        return flags;
    }

    /** Starts iamlet and waits until /readyz (on the node's loopback) answers 200. */
    static IamletProcess start(SimulatedNode node, Path launcher, StandInsProcess standIns, List<String> flags,
                               Path home, Path log) {
        List<String> argv = new ArrayList<>(List.of(launcher.toString()));
        argv.addAll(flags);
        long begin = System.nanoTime();
        NodeProcess process = NodeProcess.start("iamlet", node.inNode(argv), Map.of(
                "PATH", Shell.PATH,
                "HOME", home.toString(),
                "KUBECONFIG", standIns.kubeconfig().toString(),
                "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", FakeSts.NODE_ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", FakeSts.NODE_SECRET_ACCESS_KEY,
                "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_CONFIG_FILE", home.resolve("no-aws-config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", home.resolve("no-aws-credentials").toString()), log, line -> { });
        try {
            await("iamlet /readyz").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .failFast("iamlet exited", () -> !process.alive())
                    .until(() -> standIns.httpStatus("http://" + PROBES + "/readyz") == 200);
        } catch (RuntimeException | AssertionError e) {
            String tail = process.logTail(4000);
            process.close();
            throw new AssertionError("iamlet did not become ready: " + e.getMessage() + "\n" + tail, e);
        }
        return new IamletProcess(process, Duration.ofNanos(System.nanoTime() - begin));
    }

    Duration startedIn() {
        return startedIn;
    }

    /** SIGTERM as the kubelet sends it; returns the exit status. */
    int stop() {
        return process.stop(Duration.ofSeconds(15));
    }

    boolean alive() {
        return process.alive();
    }

    String logTail(int chars) {
        return process.logTail(chars);
    }

    Path log() {
        return process.log();
    }

    @Override
    public void close() {
        process.close();
    }
}
