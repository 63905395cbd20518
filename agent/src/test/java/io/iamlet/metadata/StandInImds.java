package io.iamlet.metadata;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the node's instance metadata service on loopback, enforcing IMDSv2 like an instance with
 * {@code HttpTokens=required}, and recording what it received so tests can assert that nothing of a pod's request
 * travelled upstream.
 */
final class StandInImds implements AutoCloseable {

    /** One request as the stand-in saw it (header names lower-cased). */
    record Received(String method, String path, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(",", values);
        }
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    final Map<String, String> documents = new ConcurrentHashMap<>(Map.of(
            "/latest/meta-data/instance-id", "i-0123456789abcdef0",
            "/latest/meta-data/placement/region", "eu-west-1",
            "/latest/meta-data/placement/availability-zone", "eu-west-1b",
            "/latest/user-data", "#!/bin/sh\nexport DB_PASSWORD=hunter2",
            "/latest/meta-data/iam/security-credentials/", "node-role",
            "/latest/meta-data/iam/security-credentials/node-role", "{\"AccessKeyId\":\"ASIANODE\"}",
            "/latest/meta-data/iam/info",
            "{\"Code\":\"Success\",\"InstanceProfileArn\":\"arn:aws:iam::123456789012:instance-profile/node\"}",
            "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
            "{\"AccessKeyId\":\"ASIAID\"}"));
    final AtomicInteger tokensIssued = new AtomicInteger();
    /** While non-null, GETs wait for it: a slow upstream. */
    volatile CountDownLatch stall;
    /** When set, GETs answer this status. */
    volatile Integer failWith;

    private final Map<String, Boolean> validTokens = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpServer server;

    StandInImds() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Forgets every token it issued (as after an instance stop/start): the next GET with an old one gets 401. */
    void revokeTokens() {
        validTokens.clear();
    }

    List<Received> gets() {
        return received.stream().filter(r -> r.method().equals("GET")).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, List<String>> headers = new java.util.HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
        String path = exchange.getRequestURI().getRawPath();
        received.add(new Received(exchange.getRequestMethod(), path, Map.copyOf(headers)));
        try (exchange) {
            if (exchange.getRequestMethod().equals("PUT") && path.equals("/latest/api/token")) {
                String ttl = exchange.getRequestHeaders().getFirst("x-aws-ec2-metadata-token-ttl-seconds");
                if (ttl == null) {
                    reply(exchange, 400, "");
                    return;
                }
                String token = "upstream-token-" + tokensIssued.incrementAndGet();
                validTokens.put(token, true);
                exchange.getResponseHeaders().add("x-aws-ec2-metadata-token-ttl-seconds", ttl);
                reply(exchange, 200, token);
                return;
            }
            String token = exchange.getRequestHeaders().getFirst("x-aws-ec2-metadata-token");
            if (token == null || !validTokens.containsKey(token)) {
                reply(exchange, 401, "");
                return;
            }
            CountDownLatch wait = stall;
            if (wait != null) {
                try {
                    wait.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failWith != null) {
                reply(exchange, failWith, "upstream trouble");
                return;
            }
            String body = documents.get(path);
            reply(exchange, body == null ? 404 : 200, body == null ? "" : body);
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.getResponseHeaders().add("Server", "EC2ws");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        CountDownLatch wait = stall;
        if (wait != null) {
            wait.countDown();
        }
        server.stop(0);
        threads.shutdownNow();
    }
}
