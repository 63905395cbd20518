package io.iamlet.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs commands as child processes, optionally behind a prefix such as {@code ip netns exec NAME} (the namespace
 * tests use that to run the real set-up inside a namespace they created).
 *
 * <p>Standard output and error are drained concurrently (a full pipe must not stall the child), the locale is
 * forced to C so error texts are the ones the callers recognise, and a command that outlives the timeout is
 * killed and reported, never waited on forever.
 */
final class ProcessCommandRunner implements CommandRunner {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final List<String> prefix;
    private final Duration timeout;

    ProcessCommandRunner(List<String> prefix, Duration timeout) {
        this.prefix = List.copyOf(prefix);
        this.timeout = timeout;
    }

    ProcessCommandRunner() {
        this(List.of(), DEFAULT_TIMEOUT);
    }

    @Override
    public Result run(List<String> argv, String stdin) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new NodeCommandException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // The child may exit without reading its input; its exit status tells what happened.
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new NodeCommandException("command timed out after " + timeout.toMillis() + " ms: "
                        + String.join(" ", command));
            }
            return new Result(process.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NodeCommandException("interrupted while running " + String.join(" ", command), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new NodeCommandException("cannot read the output of " + String.join(" ", command), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().name("iamlet-node-command-output").start(() -> {
            try (stream) {
                result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return result;
    }
}
