package io.iamlet.metadata;

import io.iamlet.failure.Failure;
import io.iamlet.server.Handler;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * IMDSv2 as a real instance enforces it: {@code PUT /latest/api/token} hands out session tokens, and every GET is
 * passed through {@link #guard(Handler)}, which refuses a bad, expired or borrowed token with 401, and a request
 * without one when IMDSv2 is required.
 *
 * <p>Status codes follow IMDS, because SDKs branch on them: 400 only for a missing or invalid TTL (fatal for every
 * client), 403 for a PUT carrying {@code X-Forwarded-For} (real IMDS refuses requests that went through a proxy), 401
 * on GETs (Go fetches a new token on 401).
 */
final class TokenEndpoint {

    static final String TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds";
    static final String TOKEN_HEADER = "x-aws-ec2-metadata-token";

    private final ImdsTokens tokens;
    private final boolean v2Required;
    private final MetadataMetrics metrics;

    TokenEndpoint(ImdsTokens tokens, boolean v2Required, MetadataMetrics metrics) {
        this.tokens = tokens;
        this.v2Required = v2Required;
        this.metrics = metrics;
    }

    /** {@code PUT /latest/api/token}. */
    CompletableFuture<Response> issue(Request request) {
        if (request.header("x-forwarded-for") != null) {
            metrics.tokenRefused("forwarded");
            return CompletableFuture.failedFuture(new Failure.Denied("forwarded_token_request",
                    "a token request that went through a proxy (X-Forwarded-For) is refused"));
        }
        int ttl = ImdsTokens.ttl(request.header(TTL_HEADER));
        if (ttl < 0) {
            metrics.tokenRefused("bad_ttl");
            return CompletableFuture.failedFuture(new Failure.BadRequest("bad_token_ttl",
                    "the " + TTL_HEADER + " header must be an integer from " + ImdsTokens.MIN_TTL + " to "
                            + ImdsTokens.MAX_TTL));
        }
        String token = tokens.issue(request.sourceIp(), ttl);
        metrics.tokenIssued();
        // one map, filled in the order the headers were always added (Response keeps its own immutable copy)
        Map<String, String> headers = new HashMap<>(4);
        headers.put(TTL_HEADER, Integer.toString(ttl));
        headers.put("Cache-Control", "no-store");
        return CompletableFuture.completedFuture(
                new Response(200, "text/plain", headers, token.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code handler} behind the token check. */
    Handler guard(Handler handler) {
        return request -> {
            String token = request.header(TOKEN_HEADER);
            if (token == null) {
                if (v2Required) {
                    metrics.tokenRejected("imdsv1_refused");
                    return unauthorized("imdsv1_refused",
                            "IMDSv2 is required: get a token with PUT /latest/api/token first");
                }
                return handler.handle(request);
            }
            return switch (tokens.verify(token, request.sourceIp())) {
                case VALID -> handler.handle(request);
                case EXPIRED -> {
                    metrics.tokenRejected("expired");
                    yield unauthorized("token_expired", "the metadata token has expired; get a new one");
                }
                case MALFORMED, INVALID -> {
                    metrics.tokenRejected("invalid");
                    yield unauthorized("token_invalid", "the metadata token is not valid for this caller");
                }
            };
        };
    }

    private static CompletableFuture<Response> unauthorized(String reason, String message) {
        return CompletableFuture.failedFuture(new Failure.Unauthenticated(reason, message));
    }
}
