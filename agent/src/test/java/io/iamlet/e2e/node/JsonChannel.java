package io.iamlet.e2e.node;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Request/answer over a helper process's stdin and stdout: one JSON object per line in, carrying an {@code id};
 * answers are the output lines that start with a prefix followed by JSON echoing that id (other output lines, logs,
 * are ignored). The first answer with {@code "event":"ready"} completes {@link #ready}.
 */
final class JsonChannel {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final String prefix;
    private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile NodeProcess process;

    JsonChannel(String prefix) {
        this.prefix = prefix;
    }

    void attach(NodeProcess process) {
        this.process = process;
    }

    /** Hand every output line of the process here. */
    void onLine(String line) {
        if (!line.startsWith(prefix)) {
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(line.substring(prefix.length()));
        } catch (RuntimeException e) {
            return;
        }
        if ("ready".equals(message.path("event").asString(""))) {
            ready.complete(message);
            return;
        }
        CompletableFuture<JsonNode> waiting = pending.remove(message.path("id").asString(""));
        if (waiting != null) {
            waiting.complete(message);
        }
    }

    /** The ready line, waiting up to {@code timeout} for it. */
    JsonNode ready(Duration timeout) throws Exception {
        return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    JsonNode ready() {
        return ready.join();
    }

    /** Sends {@code command} (an {@code id} is added) and waits up to {@code timeout} for its answer. */
    JsonNode call(Map<String, Object> command, Duration timeout) {
        String id = Long.toString(ids.incrementAndGet());
        Map<String, Object> request = new LinkedHashMap<>(command);
        request.put("id", id);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        process.send(JSON.writeValueAsString(request));
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            pending.remove(id);
            throw new AssertionError(process + " did not answer " + command.get("op") + " within " + timeout
                    + ": " + e, e);
        }
    }
}
