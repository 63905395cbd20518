package io.iamlet.metadata;

import io.iamlet.failure.Failure;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Every GET outside iamlet's own {@code iam/} routes: a directory listing synthesised from the allow-list, a proxied
 * read of an allow-listed path, or 404. Only the path travels upstream ({@link UpstreamMetadata} builds a fresh
 * request); a 404 from upstream stays a 404; other upstream trouble is 502/503.
 */
final class ProxyHandler {

    private final AllowedPaths paths;
    private final UpstreamMetadata upstream;
    private final MetadataMetrics metrics;

    ProxyHandler(AllowedPaths paths, UpstreamMetadata upstream, MetadataMetrics metrics) {
        this.paths = paths;
        this.upstream = upstream;
        this.metrics = metrics;
    }

    CompletableFuture<Response> handle(Request request) {
        String path = request.path();
        Optional<String> listing = paths.listing(path);
        if (listing.isPresent()) {
            return CompletableFuture.completedFuture(Response.text(200, listing.get()));
        }
        if (!paths.proxied(path)) {
            metrics.proxy("blocked");
            return CompletableFuture.failedFuture(new Failure.NotFound("path_not_allowed",
                    "this metadata path is not served to pods"));
        }
        return upstream.get(path).handle((answer, error) -> {
            if (error != null) {
                metrics.proxy("upstream_error");
                throw Failure.find(error).orElseGet(() -> new Failure.BadGateway("upstream_error",
                        "the instance metadata service failed", error));
            }
            if (answer.status() == 200) {
                metrics.proxy("allowed");
                return new Response(200, answer.contentType(), Map.of(), answer.body());
            }
            if (answer.status() == 404) {
                metrics.proxy("allowed");
                throw new Failure.NotFound("upstream_not_found", "the instance metadata service has no such path");
            }
            metrics.proxy("upstream_error");
            throw new Failure.BadGateway("upstream_status",
                    "the instance metadata service answered status " + answer.status(), null);
        });
    }
}
