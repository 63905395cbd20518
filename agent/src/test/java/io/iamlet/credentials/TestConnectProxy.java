package io.iamlet.credentials;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal HTTP proxy on 127.0.0.1 that only reaches loopback, recording each request line: CONNECT tunnels (an
 * https target) and plain forwarding of an absolute-form request (an http target, as the stand-ins are). With
 * {@link #requireBasic}, a request without that {@code Proxy-Authorization} is answered 407.
 */
final class TestConnectProxy implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile String requiredAuthorization;

    TestConnectProxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    List<String> targets() {
        return List.copyOf(targets);
    }

    /** The Proxy-Authorization header of each request ("" when absent). */
    List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** From now on requests must carry {@code Proxy-Authorization: Basic base64(user:password)}. */
    void requireBasic(String user, String password) {
        requiredAuthorization = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.execute(() -> tunnel(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void tunnel(Socket client) {
        try (client) {
            String head = readHead(client.getInputStream());
            String[] request = head.split("\r\n")[0].split(" ");
            String target = request.length > 1 ? request[1] : "";
            targets.add(request[0] + " " + target);
            String authorization = head.lines().filter(l -> l.regionMatches(true, 0, "Proxy-Authorization:", 0, 20))
                    .map(l -> l.substring(20).strip()).findFirst().orElse("");
            authorizations.add(authorization);
            if (requiredAuthorization != null && !requiredAuthorization.equals(authorization)) {
                client.getOutputStream().write(("HTTP/1.1 407 Proxy Authentication Required\r\n"
                        + "Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (!request[0].equals("CONNECT") && target.startsWith("http://127.0.0.1:")) {
                forward(client, head, target);
                return;
            }
            int colon = target.lastIndexOf(':');
            if (!request[0].equals("CONNECT") || !target.startsWith("127.0.0.1:")) {
                client.getOutputStream().write("HTTP/1.1 403 Forbidden\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(),
                    Integer.parseInt(target.substring(colon + 1)))) {
                client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                var back = threads.submit(() -> pipe(upstream.getInputStream(), client.getOutputStream()));
                pipe(client.getInputStream(), upstream.getOutputStream());
                back.get();
            }
        } catch (Exception e) {
            // connection closed by either side
        }
    }

    /** Plain forwarding: the head with its target in origin form, as proxies send it, then both ways. */
    private void forward(Socket client, String head, String target) throws Exception {
        var uri = java.net.URI.create(target);
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), uri.getPort())) {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            String originForm = head.replaceFirst(java.util.regex.Pattern.quote(target),
                    java.util.regex.Matcher.quoteReplacement(path));
            upstream.getOutputStream().write(originForm.getBytes(StandardCharsets.ISO_8859_1));
            var back = threads.submit(() -> pipe(upstream.getInputStream(), client.getOutputStream()));
            pipe(client.getInputStream(), upstream.getOutputStream());
            back.get();
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static Void pipe(InputStream in, OutputStream out) throws IOException {
        try {
            in.transferTo(out);
        } finally {
            out.close();
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
