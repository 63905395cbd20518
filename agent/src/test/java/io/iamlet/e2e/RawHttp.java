package io.iamlet.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A one-request HTTP/1.1 client that can choose its source address on loopback (127.0.0.2 ...), so a test can
 * play a pod other than 127.0.0.1. Loopback only.
 */
final class RawHttp {

    record Reply(int status, String head, String body) {
    }

    private RawHttp() {
    }

    static Reply get(String sourceIp, InetSocketAddress server, String path, String authorization) throws IOException {
        return send("GET", sourceIp, server, path,
                authorization == null ? java.util.Map.of() : java.util.Map.of("Authorization", authorization));
    }

    static Reply send(String method, String sourceIp, InetSocketAddress server, String path,
                      java.util.Map<String, String> headers) throws IOException {
        StringBuilder request = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                .append(server.getHostString()).append("\r\nConnection: close\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        if (!method.equals("GET")) {
            request.append("Content-Length: 0\r\n");
        }
        request.append("\r\n");
        try (Socket socket = new Socket()) {
            if (!server.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("loopback only");
            }
            socket.bind(new InetSocketAddress(sourceIp, 0));
            socket.setSoTimeout(10_000);
            socket.connect(server, 2_000);
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            String all = readAll(socket.getInputStream());
            int split = all.indexOf("\r\n\r\n");
            String head = all.substring(0, split);
            int status = Integer.parseInt(head.substring(9, 12));
            return new Reply(status, head, all.substring(split + 4));
        }
    }

    private static String readAll(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
