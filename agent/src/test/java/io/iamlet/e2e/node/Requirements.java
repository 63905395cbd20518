package io.iamlet.e2e.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the node end-to-end test needs on the machine, checked before anything starts; a missing piece fails the
 * test with the command that installs it (CI's {@code .ci/run} installs all of them), never a silent skip.
 *
 * @param launcher {@code bin/iamlet}, with the packaged jar beside it
 * @param python   a Python whose boto3/botocore accept 169.254.170.23 (botocore 1.32 or newer)
 */
record Requirements(Path repo, Path launcher, String python, String botocore, String awscli, String node,
                    String jsSdk) {

    private static final List<String> PYTHONS = List.of("/root/.pyenv/shims/python3", "/usr/local/bin/python3",
            "python3");

    static Requirements check(Path repo) {
        List<String> missing = new ArrayList<>();
        Path launcher = repo.resolve("bin/iamlet");
        if (!Files.isRegularFile(repo.resolve("agent/target/iamlet.jar"))) {
            missing.add("agent/target/iamlet.jar (build it: ./mvnw -q -B -DskipTests package; `verify` packages first)");
        }
        for (String tool : List.of("ip", "iptables", "bash", "timeout")) {
            if (!Shell.run(Duration.ofSeconds(10), "/bin/sh", "-c", "command -v " + tool).ok()) {
                missing.add(tool + " (apt-get install -y iproute2 iptables)");
            }
        }
        String python = null;
        String botocore = null;
        for (String candidate : PYTHONS) {
            Shell.Result r = Shell.run(Duration.ofSeconds(30), candidate, "-c",
                    "import sys, boto3, botocore; print(sys.executable, botocore.__version__)");
            if (r.ok()) {
                String[] parts = r.out().strip().split(" ");
                String[] v = parts[1].split("\\.");
                if (Integer.parseInt(v[0]) > 1 || Integer.parseInt(v[1]) >= 32) {
                    python = parts[0];
                    botocore = parts[1];
                    break;
                }
            }
        }
        if (python == null) {
            missing.add("a python3 with boto3/botocore >= 1.32 (the machine's pip Python; Debian's python3-boto3 is "
                    + "too old for 169.254.170.23), looked at " + PYTHONS);
        }
        Shell.Result aws = Shell.run(Duration.ofSeconds(60), "/usr/bin/aws", "--version");
        if (!aws.ok() || !aws.out().startsWith("aws-cli/2.")) {
            missing.add("Debian's awscli 2.x at /usr/bin/aws (apt-get install -y awscli): " + aws.describe());
        }
        Shell.Result node = Shell.run(Duration.ofSeconds(30), "node", "--version");
        if (!node.ok()) {
            missing.add("node (Node.js 20 or newer)");
        }
        Path sdk = repo.resolve("e2e/node_modules/@aws-sdk/credential-providers/package.json");
        String jsSdk = null;
        try {
            jsSdk = JsonChannel.JSON.readTree(Files.readString(sdk)).path("version").asString();
        } catch (Exception e) {
            missing.add("the JavaScript SDK in e2e/node_modules (run: npm ci --prefix e2e)");
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("the node end-to-end test cannot run; missing: " + String.join("; ", missing)
                    + ". Pass -D" + NodeEndToEndIT.ENABLED + "=false to skip it deliberately.");
        }
        return new Requirements(repo, launcher, python, botocore, aws.out().strip().split(" ")[0],
                node.out().strip(), jsSdk);
    }

    List<String> describe() {
        return List.of("clients: Java SDK v2 (test classpath), @aws-sdk/credential-providers " + jsSdk + " on node "
                + node + ", boto3/botocore " + botocore + " (" + python + "), " + awscli + " (/usr/bin/aws)");
    }
}
