package io.iamlet.e2e.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A long-running process of the harness (stand-ins, iamlet, a pod's Java client), started through
 * {@code ip netns exec} so that it lives in a namespace of the simulated node. Its output (stdout and stderr merged)
 * is appended to a log file and handed line by line to a listener; its stdin stays open for commands. Every
 * {@code exec} in the chain ({@code ip netns exec}, {@code env}, the launcher) replaces itself, so the pid is the
 * program's own and SIGTERM reaches it directly, as a kubelet's would.
 */
final class NodeProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    private final OutputStream stdin;

    private NodeProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stdin = process.getOutputStream();
    }

    /** Starts {@code argv} with exactly {@code environment}; {@code lines} sees every output line. */
    static NodeProcess start(String name, List<String> argv, Map<String, String> environment, Path log,
                             Consumer<String> lines) {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.environment().put("LC_ALL", "C");
        try {
            Files.createDirectories(log.getParent());
            Writer writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            writer.write("=== " + name + ": " + String.join(" ", argv) + "\n");
            writer.flush();
            Process process = builder.start();
            NodeProcess started = new NodeProcess(name, process, log);
            Thread.ofPlatform().daemon().name("e2e-" + name + "-output").start(() -> pump(process, writer, lines));
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private static void pump(Process process, Writer writer, Consumer<String> lines) {
        try (writer; var reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                writer.write(line);
                writer.write('\n');
                writer.flush();
                lines.accept(line);
            }
        } catch (IOException | RuntimeException e) {
            // the process ended or the log became unwritable; the exit status and the log tell the rest
        }
    }

    /** Writes one line to the process's standard input. */
    synchronized void send(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " does not take input any more (exited: "
                    + (process.isAlive() ? "no" : "yes, " + process.exitValue()) + ")", e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    String logTail(int chars) {
        try {
            return Shell.tail(Files.readString(log, StandardCharsets.UTF_8), chars);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL (to it and anything it started) if it has not exited within {@code grace}. */
    int stop(Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                Shell.kill(process);
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Shell.kill(process);
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(5));
        }
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ")";
    }
}
