package io.iamlet.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the node's real instance metadata service, the upstream of iamlet's metadata proxy. IMDSv2 only
 * (like an instance with {@code HttpTokens=required}): {@code PUT /latest/api/token} issues a token and echoes the
 * TTL header; every GET must carry a token issued here, else 401. It answers the harmless paths a pod may be
 * allowed to read, and also the node's secrets (user-data, the instance profile's credentials, identity
 * credentials) so a test can prove those never reach a pod. Every request is recorded, so a test can also prove
 * that no token other than one issued here (a pod's) ever arrived.
 *
 * <p>In-process tests also get the requests with their headers ({@link #received()}, never part of
 * {@link #requests()}, which the e2e control socket prints) and fault injection for authenticated GETs: tokens revoked
 * (as after an instance stop/start), a slow upstream ({@link #holdGets()}, released by {@link #releaseGets()} or
 * {@link #close()}), an error status ({@link #failGetsWith}), a document withdrawn ({@link #withdraw}) or replaced
 * ({@link #answer}). {@code iam/info} names the instance profile {@code NODE_ROLE} of account {@link #ACCOUNT}.
 */
public final class MetadataStandIn implements AutoCloseable {

    public static final String INSTANCE_ID = "i-0e2e0000000000001";
    public static final String NODE_ROLE = "iamlet-e2e-node-role";
    /** The node's account, as its instance profile ARN in {@code iam/info} names it. */
    public static final String ACCOUNT = "111122223333";
    /** The node's own credentials as this stand-in serves them: a pod must never see this key. */
    public static final String NODE_ACCESS_KEY_ID = "ASIAIAMLETNODEIMDS01";
    public static final String USER_DATA = "#!/bin/bash\n# node bootstrap secret: e2e-user-data-must-not-leak\n";

    /** One request as received: method, path, and whether its token (if any) was issued by this stand-in. */
    public record Request(String method, String path, boolean tokenPresent, boolean tokenIssuedHere) {
    }

    /** One request as received, with every header (names lower-cased). For in-process tests only. */
    public record Received(String method, String path, Map<String, List<String>> headers) {
        /** The header's values joined with commas, or null if absent; {@code name} in lower case. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(",", values);
        }
    }

    private record Recorded(Request request, Received received) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final SecureRandom random = new SecureRandom();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private final Map<String, String> answers;
    /** While non-null, authenticated GETs wait (at most 30 s) for it to open: a slow upstream. */
    private volatile CountDownLatch hold;
    /** When non-null, authenticated GETs answer this status. */
    private volatile Integer failWith;

    private MetadataStandIn(InetAddress bind, String localIpv4) throws IOException {
        this.answers = new ConcurrentHashMap<>(Map.ofEntries(
                Map.entry("/latest/meta-data/instance-id", INSTANCE_ID),
                Map.entry("/latest/meta-data/instance-type", "m7g.large"),
                Map.entry("/latest/meta-data/ami-id", "ami-0e2e0000000000001"),
                Map.entry("/latest/meta-data/hostname", "ip-node-e2e.ec2.internal"),
                Map.entry("/latest/meta-data/local-ipv4", localIpv4),
                Map.entry("/latest/meta-data/mac", "0e:2e:00:00:00:01"),
                Map.entry("/latest/meta-data/placement/region", "us-east-1"),
                Map.entry("/latest/meta-data/placement/availability-zone", "us-east-1a"),
                Map.entry("/latest/user-data", USER_DATA),
                Map.entry("/latest/meta-data/iam/info", "{\"Code\":\"Success\",\"InstanceProfileArn\":"
                        + "\"arn:aws:iam::" + ACCOUNT + ":instance-profile/" + NODE_ROLE + "\"}"),
                Map.entry("/latest/meta-data/iam/security-credentials/", NODE_ROLE),
                Map.entry("/latest/meta-data/iam/security-credentials", NODE_ROLE),
                Map.entry("/latest/meta-data/iam/security-credentials/" + NODE_ROLE, nodeCredentials()),
                Map.entry("/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
                        nodeCredentials())));
        this.server = HttpServer.create(new InetSocketAddress(bind, 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts on an ephemeral port of {@code bind}; {@code local-ipv4} answers {@code localIpv4}. */
    public static MetadataStandIn start(InetAddress bind, String localIpv4) {
        try {
            return new MetadataStandIn(bind, localIpv4);
        } catch (IOException e) {
            throw new IllegalStateException("metadata stand-in could not listen on " + bind.getHostAddress(), e);
        }
    }

    /** Starts on an ephemeral port of the loopback address, which {@code local-ipv4} also answers. */
    public static MetadataStandIn onLoopback() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        return start(loopback, loopback.getHostAddress());
    }

    public URI endpoint() {
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort());
    }

    /** Every request received so far, in order. */
    public List<Request> requests() {
        return recorded.stream().map(Recorded::request).toList();
    }

    /** Every request received so far, in order, with its headers. */
    public List<Received> received() {
        return recorded.stream().map(Recorded::received).toList();
    }

    /** The GETs among {@link #received()}. */
    public List<Received> gets() {
        return received().stream().filter(r -> "GET".equals(r.method())).toList();
    }

    /** Every token issued so far, in order, including revoked ones. */
    public List<String> issuedTokens() {
        return List.copyOf(issued);
    }

    /** Forgets every token issued (as after an instance stop/start): a GET with an old one gets 401. */
    public void revokeTokens() {
        tokens.clear();
    }

    /** Authenticated GETs wait from now on until {@link #releaseGets()} or {@link #close()} (at most 30 s). */
    public void holdGets() {
        hold = new CountDownLatch(1);
    }

    public void releaseGets() {
        CountDownLatch held = hold;
        hold = null;
        if (held != null) {
            held.countDown();
        }
    }

    /** Authenticated GETs answer {@code status} with a body from now on; null to answer normally again. */
    public void failGetsWith(Integer status) {
        failWith = status;
    }

    /** From now on {@code path} answers {@code body} (200). */
    public void answer(String path, String body) {
        answers.put(path, body);
    }

    /** From now on {@code path} is not found. */
    public void withdraw(String path) {
        answers.remove(path);
    }

    @Override
    public void close() {
        releaseGets();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String token = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
            Map<String, List<String>> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            recorded.add(new Recorded(new Request(method, path, token != null, token != null && tokens.contains(token)),
                    new Received(method, path, Map.copyOf(headers))));
            if ("PUT".equals(method) && "/latest/api/token".equals(path)) {
                String ttl = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds");
                if (ttl == null || !ttl.matches("\\d{1,5}")) {
                    reply(exchange, 400, "");
                    return;
                }
                byte[] bytes = new byte[32];
                random.nextBytes(bytes);
                String fresh = "upstream-" + HexFormat.of().formatHex(bytes);
                tokens.add(fresh);
                issued.add(fresh);
                exchange.getResponseHeaders().set("X-aws-ec2-metadata-token-ttl-seconds", ttl);
                reply(exchange, 200, fresh);
                return;
            }
            if (!"GET".equals(method)) {
                reply(exchange, 405, "");
                return;
            }
            if (token == null || !tokens.contains(token)) {
                reply(exchange, 401, "");
                return;
            }
            awaitRelease();
            Integer status = failWith;
            if (status != null) {
                reply(exchange, status, "upstream trouble");
                return;
            }
            String answer = answers.get(path);
            reply(exchange, answer == null ? 404 : 200, answer == null ? "" : answer);
        }
    }

    private void awaitRelease() {
        CountDownLatch held = hold;
        if (held != null) {
            try {
                held.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Server", "EC2ws");
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String nodeCredentials() {
        return "{\"Code\":\"Success\",\"LastUpdated\":\"2026-01-01T00:00:00Z\",\"Type\":\"AWS-HMAC\","
                + "\"AccessKeyId\":\"" + NODE_ACCESS_KEY_ID + "\",\"SecretAccessKey\":\"node-secret-must-not-leak\","
                + "\"Token\":\"node-session-token-must-not-leak\",\"Expiration\":\"2099-01-01T00:00:00Z\"}";
    }
}
