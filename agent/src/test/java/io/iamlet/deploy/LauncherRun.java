package io.iamlet.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the image's launcher script with {@code JAVA_HOME} pointing at a directory the test prepares, so the test
 * decides which {@code java} and {@code java-netbind} the launcher finds.
 */
final class LauncherRun {
    static final Path LAUNCHER = Repo.path("daemonset/image/iamlet");

    private LauncherRun() {
    }

    /** Links both launchers of {@code javaHome} to the JVM running the tests. */
    static void linkRealJava(Path javaHome) throws IOException {
        Path bin = Files.createDirectories(javaHome.resolve("bin"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Files.createSymbolicLink(bin.resolve("java"), java);
        Files.createSymbolicLink(bin.resolve("java-netbind"), java);
    }

    static Result run(Path javaHome, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(javaHome, "out", ".txt");
        Path err = Files.createTempFile(javaHome, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeAll(List.of("JAVA_OPTS", "IAMLET_JAR", "IAMLET_WEBHOOK_JAR",
                "IAMLET_AOT_CACHE", "IAMLET_AOT_CACHE_OUTPUT"));
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("launcher did not finish in 60 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    record Result(int exit, String stdout, String stderr) {
        List<String> stdoutLines() {
            return stdout.lines().toList();
        }
    }
}
