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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for the node's real instance metadata service, the upstream of iamlet's metadata proxy. IMDSv2 only
 * (like an instance with {@code HttpTokens=required}): {@code PUT /latest/api/token} issues a token and echoes the
 * TTL header; every GET must carry a token issued here, else 401. It answers the harmless paths a pod may be
 * allowed to read, and also the node's secrets (user-data, the instance profile's credentials, identity
 * credentials) so a test can prove those never reach a pod. Every request is recorded, so a test can also prove
 * that no token other than one issued here (a pod's) ever arrived.
 */
public final class MetadataStandIn implements AutoCloseable {

    public static final String INSTANCE_ID = "i-0e2e0000000000001";
    public static final String NODE_ROLE = "iamlet-e2e-node-role";
    /** The node's own credentials as this stand-in serves them: a pod must never see this key. */
    public static final String NODE_ACCESS_KEY_ID = "ASIAIAMLETNODEIMDS01";
    public static final String USER_DATA = "#!/bin/bash\n# node bootstrap secret: e2e-user-data-must-not-leak\n";

    /** One request as received: method, path, and whether its token (if any) was issued by this stand-in. */
    public record Request(String method, String path, boolean tokenPresent, boolean tokenIssuedHere) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final SecureRandom random = new SecureRandom();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> answers;

    private MetadataStandIn(InetAddress bind, String localIpv4) throws IOException {
        this.answers = Map.ofEntries(
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
                        + "\"arn:aws:iam::111122223333:instance-profile/" + NODE_ROLE + "\"}"),
                Map.entry("/latest/meta-data/iam/security-credentials/", NODE_ROLE),
                Map.entry("/latest/meta-data/iam/security-credentials", NODE_ROLE),
                Map.entry("/latest/meta-data/iam/security-credentials/" + NODE_ROLE, nodeCredentials()),
                Map.entry("/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
                        nodeCredentials()));
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

    public URI endpoint() {
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort());
    }

    /** Every request received so far, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String token = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
            requests.add(new Request(method, path, token != null, token != null && tokens.contains(token)));
            if ("PUT".equals(method) && "/latest/api/token".equals(path)) {
                String ttl = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds");
                if (ttl == null || !ttl.matches("\\d{1,5}")) {
                    reply(exchange, 400, "");
                    return;
                }
                byte[] bytes = new byte[32];
                random.nextBytes(bytes);
                String issued = "upstream-" + HexFormat.of().formatHex(bytes);
                tokens.add(issued);
                exchange.getResponseHeaders().set("X-aws-ec2-metadata-token-ttl-seconds", ttl);
                reply(exchange, 200, issued);
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
            String answer = answers.get(path);
            reply(exchange, answer == null ? 404 : 200, answer == null ? "" : answer);
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
