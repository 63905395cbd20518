package io.iamlet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.iamlet.deploy.LauncherRun.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The image cannot be built here (no container engine), so this checks what can be checked without one: the
 * entrypoint script really chooses the launchers and flags it documents, the JVM accepts those flags, and the
 * Dockerfile agrees with the build and the manifests.
 */
class ImageTest {
    private static final Path LAUNCHER = LauncherRun.LAUNCHER;
    private static final String JAR = "/opt/iamlet/iamlet.jar";
    private static final String WEBHOOK_JAR = "/opt/iamlet/iamlet-webhook.jar";
    private static final String AOT_CACHE = "/opt/iamlet/iamlet.aot";

    @TempDir
    Path javaHome;

    @ParameterizedTest(name = "iamlet {0} -> {1}")
    @CsvSource({"serve, java-netbind", "node-setup, java", "node-teardown, java", "demo, java", "webhook, java"})
    void launcherGivesPort80RightsOnlyToServe(String subcommand, String expectedLauncher) throws Exception {
        stubJava();

        List<String> seen = run(Map.of(), subcommand).stdoutLines();

        assertThat(seen.getFirst()).isEqualTo(expectedLauncher);
    }

    @Test
    void launcherPassesInstallationFlagsAndTheCommandLineThrough() throws Exception {
        stubJava();

        List<String> seen = run(Map.of("JAVA_OPTS", "-Xmx64m -Dfoo=bar"), "serve", "--node-name", "node a")
                .stdoutLines();

        assertThat(seen).containsSubsequence("--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-Dfoo=bar",
                "-jar", JAR, "serve", "--node-name", "node a");
        assertThat(seen.subList(seen.indexOf("-jar"), seen.size()))
                .containsExactly("-jar", JAR, "serve", "--node-name", "node a");
    }

    @Test
    void webhookRunsFromItsOwnJarWithoutTheAgentsAotCache() throws Exception {
        stubJava();

        List<String> seen = run(Map.of(), "webhook", "--port", "8443").stdoutLines();

        assertThat(seen.subList(seen.indexOf("-jar"), seen.size()))
                .containsExactly("-jar", WEBHOOK_JAR, "webhook", "--port", "8443");
        assertThat(seen).noneMatch(flag -> flag.startsWith("-XX:AOTCache"));
    }

    /** A misspelt -XX flag would stop the JVM before main: every pod of the DaemonSet would crash-loop. */
    @ParameterizedTest(name = "iamlet {0}")
    @CsvSource({"serve", "node-setup"})
    void launcherFlagsAreAcceptedByTheJvm(String subcommand) throws Exception {
        LauncherRun.linkRealJava(javaHome);

        Result result = run(Map.of("JAVA_OPTS", "-version"), subcommand);

        assertThat(result.exit()).as(result.stderr()).isZero();
        assertThat(result.stderr()).contains("Runtime Environment").doesNotContain("Unrecognized");
    }

    @Test
    void dockerfileCopiesTheLauncherAndTheShadedJarTheBuildProduces() throws IOException {
        String dockerfile = Files.readString(Repo.path("Dockerfile"));

        assertThat(copies(dockerfile)).containsEntry("daemonset/image/iamlet", "/usr/local/bin/iamlet")
                .containsEntry("agent/target/iamlet.jar", JAR)
                .containsEntry("webhook/target/iamlet-webhook.jar", WEBHOOK_JAR);
        assertThat(Files.isExecutable(LAUNCHER)).as("launcher is executable in git").isTrue();
        assertThat(Files.readString(Repo.path("agent/pom.xml"))).contains("<finalName>iamlet</finalName>");
        assertThat(Files.readString(Repo.path("webhook/pom.xml"))).contains("<finalName>iamlet-webhook</finalName>");
        assertThat(dockerfile).contains("ENTRYPOINT [\"/usr/local/bin/iamlet\"]").contains("CMD [\"serve\"]");
    }

    @Test
    void dockerfileGivesTheFileCapabilityOnlyToTheLauncherServeUses() throws IOException {
        // commands only, not the comments that explain them
        Matcher setcap = Pattern.compile("(?m)^[^#\\n]*\\bsetcap (\\S+) \"?([^\";\\s]+)")
                .matcher(Files.readString(Repo.path("Dockerfile")));

        assertThat(setcap.find()).isTrue();
        assertThat(setcap.group(1)).isEqualTo("cap_net_bind_service=+ep");
        assertThat(setcap.group(2)).isEqualTo("$JAVA_HOME/bin/java-netbind");
        assertThat(setcap.find()).as("a second setcap").isFalse();
    }

    @Test
    void imageUserIsTheAgentContainersUser() throws IOException {
        PodSpec pod = StrictManifests.parse(Files.readString(Repo.path("daemonset/base/daemonset.yaml")))
                .daemonSet().getSpec().getTemplate().getSpec();
        Container agent = PodParts.container(pod, PodParts.AGENT).orElseThrow();
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(Files.readString(Repo.path("Dockerfile")));

        assertThat(user.find()).isTrue();
        assertThat(Long.parseLong(user.group(1))).isEqualTo(agent.getSecurityContext().getRunAsUser());
        assertThat(Long.parseLong(user.group(2))).isEqualTo(agent.getSecurityContext().getRunAsGroup());
    }

    @Test
    void launcherUsesTheAotCacheForServeOnlyWhenTheFileExists() throws Exception {
        stubJava();
        Path jar = Files.writeString(javaHome.resolve("iamlet.jar"), "jar");
        Path cache = trainedCache(jar);

        List<String> present = run(Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE", cache.toString()), "serve")
                .stdoutLines();
        List<String> absent = run(Map.of("IAMLET_JAR", jar.toString(),
                "IAMLET_AOT_CACHE", javaHome.resolve("none.aot").toString()), "serve").stdoutLines();
        List<String> setup = run(Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE", cache.toString()),
                "node-setup").stdoutLines();

        assertThat(present).contains("-XX:AOTCache=" + cache);
        assertThat(present.indexOf("-XX:AOTCache=" + cache)).isLessThan(present.indexOf("-jar"));
        assertThat(absent).noneMatch(arg -> arg.startsWith("-XX:AOTCache"));
        assertThat(setup).noneMatch(arg -> arg.startsWith("-XX:AOTCache"));
    }

    /**
     * JDK 25.0.3 runs a stale cache's classes when every application class came from it (JDK-8377932): the launcher
     * itself leaves out a cache that was trained with another jar, or with this one before it changed, and says so
     * on stderr only.
     */
    @Test
    void launcherLeavesOutACacheTrainedWithAnotherJar() throws Exception {
        stubJava();
        Path jar = Files.writeString(javaHome.resolve("iamlet.jar"), "jar");
        Path cache = trainedCache(jar);
        Map<String, String> env = Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE", cache.toString());

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        Result touched = run(env, "serve");
        Files.writeString(jar, "another jar");
        Result rebuilt = run(env, "serve");
        Files.delete(cache.resolveSibling(cache.getFileName() + ".jar"));
        Result unstamped = run(env, "serve");

        for (Result stale : List.of(touched, rebuilt, unstamped)) {
            assertThat(stale.exit()).isZero();
            assertThat(stale.stdoutLines()).noneMatch(arg -> arg.startsWith("-XX:AOTCache")).contains("-jar");
            assertThat(stale.stderr()).contains("AOT cache " + cache + " was not trained with " + jar);
        }
    }

    /** A cache file next to the record the launcher's training run writes of {@code jar}. */
    private Path trainedCache(Path jar) throws Exception {
        Path cache = javaHome.resolve("iamlet.aot");
        Result training = run(Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE_OUTPUT", cache.toString()),
                "serve");
        assertThat(training.exit()).isZero();
        Files.writeString(cache, "cache"); // what the JVM writes at exit; the stand-in java writes nothing
        return cache;
    }

    /** The image's default: the file the Dockerfile's training step writes. */
    @Test
    void launcherLooksForTheCacheWhereTheImageKeepsIt() throws IOException {
        assertThat(Files.readString(LAUNCHER)).contains("${IAMLET_AOT_CACHE:=" + AOT_CACHE + "}");
    }

    @Test
    void trainingRunHasTheSameFlagsAsTheRunsThatUseTheCache() throws Exception {
        stubJava();
        Path jar = Files.writeString(javaHome.resolve("iamlet.jar"), "jar");
        Path cache = trainedCache(jar);
        Path output = javaHome.resolve("new.aot");

        List<String> using = run(Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE", cache.toString()), "serve")
                .stdoutLines();
        List<String> training = run(Map.of("IAMLET_JAR", jar.toString(), "IAMLET_AOT_CACHE", cache.toString(),
                "IAMLET_AOT_CACHE_OUTPUT", output.toString()), "serve").stdoutLines();

        assertThat(using).contains("-XX:AOTCache=" + cache);
        assertThat(training).contains("-XX:AOTCacheOutput=" + output).noneMatch(a -> a.startsWith("-XX:AOTCache="));
        assertThat(training.stream().map(a -> a.replace("-XX:AOTCacheOutput=" + output, "AOT")).toList())
                .isEqualTo(using.stream().map(a -> a.replace("-XX:AOTCache=" + cache, "AOT")).toList());
    }

    /**
     * The image's training step: after the jar is copied (the cache records its size and mtime), through the image's
     * launcher (its flags) with the jar at its image path, writing where the launcher looks; the stand-ins only
     * bind-mounted, never copied into a layer.
     */
    @Test
    void dockerfileTrainsTheCacheWithTheLauncherAndJarItShips() throws IOException {
        String dockerfile = Files.readString(Repo.path("Dockerfile"));
        String commands = dockerfile.replaceAll("(?m)^#.*\\n", "");
        Matcher train = Pattern.compile("(?s)\\nRUN (--mount=\\S+\\s+\\\\\\s+)+.*?aot-train\\.sh (\\S+) (\\S+)")
                .matcher(commands);

        assertThat(dockerfile).as("RUN --mount needs BuildKit's syntax").startsWith("# syntax=docker/dockerfile:1\n");
        assertThat(train.find()).as("a RUN that calls aot-train.sh").isTrue();
        String run = train.group();
        assertThat(run).contains("IAMLET_LAUNCHER=/usr/local/bin/iamlet").doesNotContain("IAMLET_JAR=")
                .contains("type=bind,source=standins/target/iamlet-standins-all.jar");
        assertThat(train.group(2)).isEqualTo(AOT_CACHE);
        assertThat(commands.indexOf("COPY agent/target/iamlet.jar")).isLessThan(train.start());
        // after the training, only the webhook's jar, which the cache does not cover
        assertThat(commands.substring(train.end()).replace(
                "COPY webhook/target/iamlet-webhook.jar " + WEBHOOK_JAR, ""))
                .doesNotContain("iamlet.jar").doesNotContain("COPY");
        assertThat(copies(dockerfile)).doesNotContainKey("standins/target/iamlet-standins-all.jar");
    }

    private Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return LauncherRun.run(javaHome, env, args);
    }

    /** Stand-ins for both launchers that print their own name and then their arguments, one per line. */
    private void stubJava() throws IOException {
        Path bin = Files.createDirectories(javaHome.resolve("bin"));
        for (String name : List.of("java", "java-netbind")) {
            Path stub = bin.resolve(name);
            Files.writeString(stub, "#!/bin/sh\nbasename \"$0\"\nprintf '%s\\n' \"$@\"\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static Map<String, String> copies(String dockerfile) {
        Map<String, String> copies = new java.util.LinkedHashMap<>();
        Matcher copy = Pattern.compile("(?m)^COPY (\\S+) (\\S+)$").matcher(dockerfile);
        while (copy.find()) {
            copies.put(copy.group(1), copy.group(2));
        }
        return copies;
    }
}
