package io.iamlet.credentials.sts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Once per process, on a daemon thread, runs the code of an STS call without calling STS: signs a request, sends it
 * over the JDK HTTP client to a one-shot server on the loopback address that answers a canned STS response, and
 * parses it and an error body. The first real call then finds these classes loaded (a few hundred: the HTTP
 * client's exchange, the StAX parser, HMAC) and does not spend the budget of the caller who waits for it on class
 * loading. Nothing leaves the machine; a failure is ignored (the first real call pays instead).
 */
final class WarmUp {

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final String CANNED = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
            + "<Credentials><AccessKeyId>ASIAWARMUP</AccessKeyId><SecretAccessKey>warm-up</SecretAccessKey>"
            + "<SessionToken>warm-up</SessionToken><Expiration>2000-01-01T00:00:00Z</Expiration></Credentials>"
            + "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>warm-up</RequestId></ResponseMetadata>"
            + "</AssumeRoleWithWebIdentityResponse>";

    private WarmUp() {
    }

    static void startOnce() {
        if (STARTED.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("iamlet-sts-warm-up").start(WarmUp::run);
        }
    }

    private static void run() {
        StsXml.error(403, "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"
                .getBytes(StandardCharsets.UTF_8));
        byte[] body = StsRequest.of("AssumeRoleWithWebIdentity").param("RoleArn", "arn:aws:iam::000000000000:role/w")
                .body();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(2)).build()) {
            server.setSoTimeout(5000);
            URI uri = new URI("http", null, server.getInetAddress().getHostAddress(), server.getLocalPort(), "/", null,
                    null);
            var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            SigV4.sign("POST", uri, Map.of("content-type", StsClient.CONTENT_TYPE), body,
                    new AwsKeys("ASIAWARMUP", "warm-up", "warm-up", null), "us-east-1", StsClient.SERVICE,
                    Instant.now()).forEach(request::header);
            var response = http.sendAsync(request.build(), CappedBody.handler(StsClient.MAX_BODY));
            try (Socket socket = server.accept()) {
                socket.setSoTimeout(5000);
                readRequest(socket.getInputStream());
                byte[] canned = CANNED.getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\nContent-Length: "
                        + canned.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(canned);
                out.flush();
                StsXml.success(response.get(5, TimeUnit.SECONDS).body());
            }
            http.shutdownNow();
        } catch (Exception | LinkageError e) {
            // best effort: the first real call loads what this did not
        }
    }

    /**
     * Reads the head (at most {@value #MAX_HEAD} bytes) and the Content-Length body (at most {@link StsClient#MAX_BODY})
     * of one request: whoever connects to the loopback port first, it cannot hold this thread with an endless head.
     */
    private static void readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        int matched = 0; // how much of CR LF CR LF the last bytes were
        while (matched < 4 && (b = in.read()) >= 0) {
            if (head.size() >= MAX_HEAD) {
                throw new IOException("warm-up request head too long");
            }
            head.write(b);
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
        }
        int length = head.toString(StandardCharsets.ISO_8859_1).lines()
                .filter(l -> l.regionMatches(true, 0, "content-length:", 0, 15))
                .mapToInt(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
        in.readNBytes(Math.min(Math.max(length, 0), StsClient.MAX_BODY));
    }

    private static final int MAX_HEAD = 8192;
}
