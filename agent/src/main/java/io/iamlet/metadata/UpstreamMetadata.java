package io.iamlet.metadata;

import io.iamlet.failure.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * The node's real instance metadata service, spoken to over IMDSv2 with iamlet's own session token.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Requests are built here from a path alone: no header, token or query of a pod's request ever reaches the
 *       upstream. The only token sent is iamlet's, fetched with {@code PUT /latest/api/token}.</li>
 *   <li>One token at a time, shared by all requests; concurrent callers wait for the same fetch. It is replaced
 *       {@link #TOKEN_REFRESH_MARGIN} before it expires, and at once when the upstream answers 401 (the request is
 *       then retried once with a new token).</li>
 *   <li>Non-blocking (the JDK client's {@code sendAsync}), no proxy, no redirects, each exchange bounded by the
 *       timeout, bodies bounded in size. An upstream that is down or slow gives {@link Failure.Unavailable} (503);
 *       one that answers with an unexpected status gives {@link Failure.BadGateway} (502).</li>
 * </ul>
 */
public final class UpstreamMetadata implements AutoCloseable {

    static final int TOKEN_TTL_SECONDS = 21_600;
    static final Duration TOKEN_REFRESH_MARGIN = Duration.ofMinutes(10);
    static final int MAX_BODY = 64 * 1024;
    private static final Pattern MEDIA_TYPE = Pattern.compile("[\\w.+-]+/[\\w.+-]+(; ?charset=[\\w-]+)?");

    /** What the upstream answered. */
    record Answer(int status, String contentType, byte[] body) {
    }

    private record Token(String value, Instant refreshAt) {
        @Override
        public String toString() {
            return "Token[redacted, refreshAt=" + refreshAt + "]";
        }
    }

    private final String base;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient client;
    private final MeterRegistry registry;
    private final AtomicReference<CompletableFuture<Token>> token = new AtomicReference<>();

    /**
     * @param base    {@code http://169.254.169.254} in production ({@code --metadata-upstream})
     * @param timeout bound of one exchange, connect included ({@code --metadata-upstream-timeout})
     * @param clock   decides when the upstream token is due for renewal
     */
    public UpstreamMetadata(URI base, Duration timeout, Clock clock, MeterRegistry registry) {
        String text = Objects.requireNonNull(base, "base").toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        // the client's own work on virtual threads, as the STS clients': its default is a cached pool of platform
        // threads, each kept a minute after its last use
        this.client = HttpClient.newBuilder()
                .executor(Executors.newThreadPerTaskExecutor(
                        Thread.ofVirtual().name("iamlet-upstream-http-", 0).factory()))
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
    }

    /** The upstream of {@code settings}: {@code --metadata-upstream} with {@code --metadata-upstream-timeout}. */
    public static UpstreamMetadata of(MetadataSettings settings, Clock clock, MeterRegistry registry) {
        return new UpstreamMetadata(settings.upstream(), settings.upstreamTimeout(), clock, registry);
    }

    /** {@code GET path} upstream with iamlet's token. {@code path} must already be checked by the caller. */
    CompletableFuture<Answer> get(String path) {
        return get(path, true);
    }

    private CompletableFuture<Answer> get(String path, boolean retryOn401) {
        CompletableFuture<Token> used = token();
        return used.thenCompose(t -> send(HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(timeout)
                        .header(TokenEndpoint.TOKEN_HEADER, t.value())
                        .GET().build()))
                .thenCompose(answer -> {
                    if (answer.status() == 401 && retryOn401) {
                        token.compareAndSet(used, null);
                        return get(path, false);
                    }
                    return CompletableFuture.completedFuture(answer);
                });
    }

    private CompletableFuture<Token> token() {
        while (true) {
            CompletableFuture<Token> current = token.get();
            if (current != null && (!current.isDone() || fresh(current))) {
                return current;
            }
            CompletableFuture<Token> next = new CompletableFuture<>();
            if (token.compareAndSet(current, next)) {
                fetchToken().whenComplete((t, error) -> {
                    if (error != null) {
                        token.compareAndSet(next, null);
                        next.completeExceptionally(error);
                    } else {
                        next.complete(t);
                    }
                });
                return next;
            }
        }
    }

    private boolean fresh(CompletableFuture<Token> done) {
        return !done.isCompletedExceptionally() && clock.instant().isBefore(done.join().refreshAt());
    }

    private CompletableFuture<Token> fetchToken() {
        Instant asked = clock.instant();
        HttpRequest put = HttpRequest.newBuilder(URI.create(base + "/latest/api/token"))
                .timeout(timeout)
                .header(TokenEndpoint.TTL_HEADER, Integer.toString(TOKEN_TTL_SECONDS))
                .PUT(HttpRequest.BodyPublishers.noBody()).build();
        return send(put).thenApply(answer -> {
            String value = new String(answer.body(), StandardCharsets.US_ASCII).strip();
            if (answer.status() != 200 || value.isEmpty()) {
                tokens("failed");
                throw new Failure.BadGateway("upstream_token", "the instance metadata service refused iamlet a"
                        + " session token (status " + answer.status() + ")", null);
            }
            tokens("fetched");
            return new Token(value, asked.plusSeconds(TOKEN_TTL_SECONDS).minus(TOKEN_REFRESH_MARGIN));
        });
    }

    private CompletableFuture<Answer> send(HttpRequest request) {
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = client.sendAsync(request,
                    HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), MAX_BODY));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(unavailable(e));
        }
        return sent.handle((response, error) -> {
            if (error != null) {
                tokensIfPut(request);
                throw unavailable(error instanceof CompletionException ce && ce.getCause() != null
                        ? ce.getCause() : error);
            }
            String type = response.headers().firstValue("content-type")
                    .filter(t -> MEDIA_TYPE.matcher(t).matches()).orElse("text/plain");
            return new Answer(response.statusCode(), type, response.body());
        });
    }

    private void tokensIfPut(HttpRequest request) {
        if ("PUT".equals(request.method())) {
            tokens("failed");
        }
    }

    private static Failure unavailable(Throwable cause) {
        return new Failure.Unavailable("upstream_unavailable",
                "the instance metadata service did not answer in time; retry", cause);
    }

    private void tokens(String outcome) {
        Counter.builder("iamlet.metadata.upstream.tokens")
                .description("Session tokens iamlet asked of the upstream metadata service, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** Stops the HTTP client; requests in flight fail. */
    @Override
    public void close() {
        client.shutdownNow();
    }

    @Override
    public String toString() {
        return "UpstreamMetadata[" + base + "]";
    }
}
