package io.iamlet.credentials.sts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One request to a node-local credential endpoint (container endpoint, instance metadata): never proxied. A
 * blocking send on a virtual thread, for the reason {@link StsClient} gives (no {@code commonPool} hop).
 */
final class LocalHttp {

    static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_BODY = 16 * 1024;

    private final HttpClient http;
    private final java.util.concurrent.Executor threads = java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("iamlet-node-keys-", 0).factory());

    LocalHttp(HttpClient http) {
        this.http = http;
    }

    /** Stops the HTTP client, and with it any request still in flight (shutdown). */
    void close() {
        http.shutdownNow();
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(TIMEOUT).build();
    }

    /** The response, any status; fails with {@link StsTransportException} when there is none. */
    CompletableFuture<HttpResponse<byte[]>> send(HttpRequest.Builder request, String source) {
        HttpRequest built = request.timeout(TIMEOUT).build();
        return CompletableFuture.supplyAsync(() -> {
            try {
                return http.send(built, CappedBody.handler(MAX_BODY));
            } catch (IOException e) {
                throw new CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(new IOException("interrupted"));
            }
        }, threads).exceptionally(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof StsTransportException s) {
                        throw s;
                    }
                    throw new StsTransportException("could not reach " + source + ": "
                            + cause.getClass().getSimpleName(), cause instanceof IOException ? cause : null);
                });
    }

    static HttpRequest.Builder get(URI uri) {
        return HttpRequest.newBuilder(uri).GET();
    }
}
