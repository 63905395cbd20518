package io.iamlet.e2e.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command to completion: output drained concurrently, bounded by a timeout after which the process and its
 * descendants are killed (and the result says so), an environment replaced wholesale when one is given (clients
 * in pods must not inherit the test's proxies, credentials or home).
 */
final class Shell {

    /** What a command did; {@code exit} is -1 when it was killed for outliving its timeout. */
    record Result(int exit, String out, String err, Duration took) {
        boolean ok() {
            return exit == 0;
        }

        String describe() {
            return "exit " + exit + " after " + took.toMillis() + " ms; stderr: " + tail(err, 1500)
                    + "; stdout: " + tail(out, 1500);
        }
    }

    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Shell() {
    }

    /** Runs with the test's own environment (plus LC_ALL=C). */
    static Result run(Duration timeout, String... argv) {
        return run(List.of(argv), null, timeout);
    }

    /** Runs and requires exit 0; returns standard output. */
    static String must(String... argv) {
        Result r = run(Duration.ofSeconds(60), argv);
        if (!r.ok()) {
            throw new AssertionError(String.join(" ", argv) + ": " + r.describe());
        }
        return r.out();
    }

    /** Runs {@code argv}; {@code environment} null inherits the test's, otherwise it is the whole environment. */
    static Result run(List<String> argv, Map<String, String> environment, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(argv);
        if (environment != null) {
            builder.environment().clear();
            builder.environment().putAll(environment);
        }
        builder.environment().put("LC_ALL", "C");
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv, e);
        }
        try {
            process.getOutputStream().close(); // no input: a client that reads stdin sees its end at once
        } catch (IOException ignored) {
            // the process may already be gone; its exit status tells
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                kill(process);
            }
            return new Result(done ? process.exitValue() : -1, out.get(10, TimeUnit.SECONDS),
                    err.get(10, TimeUnit.SECONDS), Duration.ofNanos(System.nanoTime() - start));
        } catch (Exception e) {
            kill(process);
            throw new IllegalStateException("running " + argv + " failed", e);
        }
    }

    /** SIGKILL to the process and everything it started. */
    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    static String tail(String s, int max) {
        String t = s.strip();
        return t.length() <= max ? t : "..." + t.substring(t.length() - max);
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (stream) {
                result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.complete("(output unreadable: " + e + ")");
            }
        });
        return result;
    }
}
