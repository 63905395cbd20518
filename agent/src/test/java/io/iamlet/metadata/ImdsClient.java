package io.iamlet.metadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A raw IMDS client (the JDK's), for what SDKs do not let a test do: send IMDSv1 GETs, odd TTL headers, or requests
 * from another loopback source address (127.0.0.2 stands for another pod).
 */
final class ImdsClient implements AutoCloseable {

    private final String endpoint;
    private final HttpClient client;

    ImdsClient(String endpoint) {
        this(endpoint, "127.0.0.1");
    }

    ImdsClient(String endpoint, String sourceIp) {
        this.endpoint = endpoint;
        try {
            this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .localAddress(InetAddress.getByName(sourceIp))
                    .proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofSeconds(2)).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code PUT /latest/api/token} with the given headers (name, value, ...). */
    HttpResponse<String> put(String path, String... headers) {
        return send(request(path, headers).PUT(HttpRequest.BodyPublishers.noBody()).build());
    }

    HttpResponse<String> get(String path, String... headers) {
        return send(request(path, headers).GET().build());
    }

    /** A fresh token for 6 hours, as the SDKs ask for it. */
    String token() {
        HttpResponse<String> reply = put("/latest/api/token", TokenEndpoint.TTL_HEADER, "21600");
        if (reply.statusCode() != 200) {
            throw new IllegalStateException("token request answered " + reply.statusCode());
        }
        return reply.body();
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
