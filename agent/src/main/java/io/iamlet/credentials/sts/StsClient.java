package io.iamlet.credentials.sts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An STS client of our own on the JDK's {@link HttpClient} (HTTP/1.1, keep-alive, TLS by the JDK): POSTs a
 * Query-protocol form, signed with SigV4 when it has keys to sign with, and reads STS's XML.
 *
 * <p>Bounded like the AWS SDK client it replaces: a timeout per attempt and one for the whole call, at most
 * {@link Config#maxAttempts()} attempts with {@link RetryPolicy}'s backoff, bodies capped at {@link #MAX_BODY}.
 * Nothing blocks a caller's thread: each attempt is a blocking {@link HttpClient#send} on a virtual thread of its
 * own ({@code iamlet-sts-N}), interrupted when its time is up, and the returned futures complete on those threads.
 * Not {@code sendAsync}: the JDK completes its futures on {@code ForkJoinPool.commonPool()}, where any blocking
 * task elsewhere in the process would hold up STS answers (seen in tests: 30 blocked tasks delayed an answer past
 * the caller's 1.5 s budget). Retries wait on {@link CompletableFuture#delayedExecutor}.
 */
public final class StsClient implements AutoCloseable {

    /** STS's answers are about 1.5 KiB; anything near this is not STS. */
    static final int MAX_BODY = 64 * 1024;
    static final String SERVICE = "sts";
    static final String CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8";

    /**
     * @param endpoint    where STS is ({@link StsEndpoints#resolve})
     * @param region      the region the requests are signed for
     * @param maxAttempts attempts per call, the first included
     */
    public record Config(URI endpoint, String region, Duration attemptTimeout, Duration callTimeout,
                         int maxAttempts) {
        public Config {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(attemptTimeout, "attemptTimeout");
            Objects.requireNonNull(callTimeout, "callTimeout");
        }
    }

    /**
     * How one call differs from the client's defaults.
     *
     * @param signWith    keys to sign with instead of the client's own (role chaining); null for the client's
     * @param singleBudget when set, one attempt only, and this is both its timeout and the call's (a caller waits)
     */
    public record Call(AwsKeys signWith, Duration singleBudget) {
        public static final Call DEFAULT = new Call(null, null);

        @Override
        public String toString() {
            return "Call[signWith=" + (signWith == null ? null : signWith.accessKeyId()) + ", singleBudget="
                    + singleBudget + "]";
        }
    }

    private final Config config;
    private final HttpClient http;
    private final NodeKeys signer;
    private final Clock clock;
    private final RetryPolicy retry;
    private final ExecutorService callbacks = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("iamlet-sts-", 0).factory());

    /** @param signer the keys requests are signed with; null for unsigned requests (AssumeRoleWithWebIdentity) */
    public StsClient(Config config, HttpClient http, NodeKeys signer, Clock clock) {
        this(config, http, signer, clock, new RetryPolicy(bound -> ThreadLocalRandom.current().nextLong(bound + 1)));
    }

    StsClient(Config config, HttpClient http, NodeKeys signer, Clock clock, RetryPolicy retry) {
        this.config = Objects.requireNonNull(config, "config");
        this.http = Objects.requireNonNull(http, "http");
        this.signer = signer;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retry = retry;
        WarmUp.startOnce();
    }

    public Config config() {
        return config;
    }

    /** Sends {@code request}; the future fails with the exceptions of this package, never blocks. */
    public CompletableFuture<StsResponse> call(StsRequest request, Call call) {
        boolean single = call.singleBudget() != null;
        var attempt = new Attempts(request, call,
                single ? 1 : config.maxAttempts(),
                single ? call.singleBudget() : config.attemptTimeout());
        Duration budget = single ? call.singleBudget() : config.callTimeout();
        CompletableFuture<StsResponse> result = attempt.result;
        attempt.run(1);
        result.orTimeout(budget.toMillis(), TimeUnit.MILLISECONDS);
        return result.handleAsync((response, error) -> {
            attempt.cancelInFlight();
            if (error == null) {
                return response;
            }
            Throwable cause = unwrap(error);
            if (cause instanceof TimeoutException) {
                throw new StsTimeoutException(true, budget);
            }
            throw cause instanceof RuntimeException r ? r : new StsTransportException("STS call failed", cause);
        }, callbacks);
    }

    /** The attempts of one call. */
    private final class Attempts {
        final CompletableFuture<StsResponse> result = new CompletableFuture<>();
        final StsRequest request;
        final Call call;
        final int maxAttempts;
        final Duration attemptTimeout;
        final byte[] body;
        volatile java.util.concurrent.Future<?> inFlight;

        Attempts(StsRequest request, Call call, int maxAttempts, Duration attemptTimeout) {
            this.request = request;
            this.call = call;
            this.maxAttempts = maxAttempts;
            this.attemptTimeout = attemptTimeout;
            this.body = request.body();
        }

        void run(int n) {
            if (result.isDone()) {
                return;
            }
            once().whenCompleteAsync((response, error) -> {
                if (error == null) {
                    result.complete(response);
                    return;
                }
                Throwable cause = unwrap(error);
                if (n < maxAttempts && RetryPolicy.retryable(cause) && !result.isDone()) {
                    long wait = retry.delayBefore(n + 1, cause).toMillis();
                    CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS, callbacks)
                            .execute(() -> run(n + 1));
                } else {
                    result.completeExceptionally(cause);
                }
            }, callbacks);
        }

        void cancelInFlight() {
            java.util.concurrent.Future<?> f = inFlight;
            if (f != null) {
                f.cancel(true);
            }
        }

        private CompletableFuture<StsResponse> once() {
            CompletableFuture<AwsKeys> keys = call.signWith() != null ? CompletableFuture.completedFuture(
                    call.signWith()) : signer == null ? CompletableFuture.completedFuture(null) : signer.keys();
            return keys.thenCompose(this::send);
        }

        private CompletableFuture<StsResponse> send(AwsKeys keys) {
            var builder = HttpRequest.newBuilder(config.endpoint())
                    .timeout(attemptTimeout)
                    .header("User-Agent", "iamlet")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            Map<String, String> headers = Map.of("content-type", CONTENT_TYPE);
            if (keys != null) {
                headers = SigV4.sign("POST", config.endpoint(), headers, body, keys,
                        config.region(), SERVICE, clock.instant());
            }
            headers.forEach(builder::header);
            HttpRequest built = builder.build();
            CompletableFuture<HttpResponse<byte[]>> timed = new CompletableFuture<>();
            java.util.concurrent.Future<?> sending = callbacks.submit(() -> {
                try {
                    timed.complete(http.send(built, CappedBody.handler(MAX_BODY)));
                } catch (InterruptedException e) {
                    timed.completeExceptionally(new CancellationException("attempt cancelled"));
                } catch (Throwable e) {
                    timed.completeExceptionally(e);
                }
            });
            inFlight = sending;
            timed.orTimeout(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return timed.handle((response, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    if (cause instanceof TimeoutException || cause instanceof java.net.http.HttpTimeoutException
                            && !(cause instanceof java.net.http.HttpConnectTimeoutException)) {
                        sending.cancel(true);
                        throw new StsTimeoutException(false, attemptTimeout);
                    }
                    for (Throwable c = cause; c != null; c = c.getCause()) {
                        // the body's cap fails with ours, which the JDK client wraps in an IOException
                        if (c instanceof StsTransportException s) {
                            throw s;
                        }
                    }
                    if (cause instanceof IOException) {
                        throw new StsTransportException("could not reach STS at " + config.endpoint().getHost()
                                + ": " + cause.getClass().getSimpleName(), cause);
                    }
                    if (cause instanceof CancellationException) {
                        throw new StsTransportException("the STS call was cancelled", cause);
                    }
                    throw cause instanceof RuntimeException r ? r : new StsTransportException("STS call failed", cause);
                }
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return StsXml.success(response.body());
                }
                throw StsXml.error(status, response.body());
            });
        }
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** Closes the signer's keys and stops the HTTP client (this client owns both). */
    @Override
    public void close() {
        if (signer != null) {
            signer.close();
        }
        http.shutdownNow();
        callbacks.shutdown();
    }
}
