package io.iamlet.credentials.sts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** One request to a node-local credential endpoint (container endpoint, instance metadata): never proxied. */
final class LocalHttp {

    static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_BODY = 16 * 1024;

    private final HttpClient http;

    LocalHttp(HttpClient http) {
        this.http = http;
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(TIMEOUT).build();
    }

    /** The response, any status; fails with {@link StsTransportException} when there is none. */
    CompletableFuture<HttpResponse<byte[]>> send(HttpRequest.Builder request, String source) {
        return http.sendAsync(request.timeout(TIMEOUT).build(), CappedBody.handler(MAX_BODY))
                .exceptionally(e -> {
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
