package io.iamlet.credentials.sts;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The container credentials endpoint, as the AWS SDK finds it: {@code AWS_CONTAINER_CREDENTIALS_RELATIVE_URI} on
 * {@code http://169.254.170.2}, else {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} (https anywhere; http only to a
 * loopback address or the ECS/EKS link-local ones), with the {@code Authorization} header from
 * {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE} (read at each fetch) or {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}.
 */
final class ContainerKeys {

    static final String SOURCE = "the container credentials endpoint";
    private static final String ECS_HOST = "http://169.254.170.2";

    private final URI uri;
    private final Map<String, String> env;
    private final LocalHttp http;

    private ContainerKeys(URI uri, Map<String, String> env, LocalHttp http) {
        this.uri = uri;
        this.env = env;
        this.http = http;
    }

    /** The endpoint the environment names, if any; fails at once for a FULL_URI that is not allowed. */
    static Optional<URI> endpoint(Map<String, String> env) {
        String relative = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        if (relative != null && !relative.isBlank()) {
            return Optional.of(URI.create(ECS_HOST + relative.trim()));
        }
        String full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        if (full == null || full.isBlank()) {
            return Optional.empty();
        }
        URI uri = URI.create(full.trim());
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !allowedHttpHost(uri.getHost())) {
            throw new IllegalArgumentException("AWS_CONTAINER_CREDENTIALS_FULL_URI over http must name a loopback "
                    + "address or 169.254.170.2/169.254.170.23/fd00:ec2::23, was host " + uri.getHost());
        }
        return Optional.of(uri);
    }

    static NodeKeys create(URI uri, Map<String, String> env, LocalHttp http, java.time.Clock clock) {
        return new RenewingKeys("container", new ContainerKeys(uri, env, http)::fetch, clock);
    }

    private static boolean allowedHttpHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equals("169.254.170.2") || h.equals("169.254.170.23") || h.equalsIgnoreCase("fd00:ec2::23")) {
            return true;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private CompletableFuture<AwsKeys> fetch() {
        var request = LocalHttp.get(uri);
        String authorization = authorization();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request, SOURCE).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new StsTransportException(SOURCE + " answered HTTP " + response.statusCode());
            }
            return KeysDocument.parse(response.body(), SOURCE);
        });
    }

    private String authorization() {
        String file = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        if (file != null && !file.isBlank()) {
            try {
                return Files.readString(Path.of(file.trim())).strip();
            } catch (IOException e) {
                throw new StsTransportException("could not read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "
                        + e.getClass().getSimpleName());
            }
        }
        String token = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        return token == null || token.isBlank() ? null : token.strip();
    }

    @Override
    public String toString() {
        return "ContainerKeys[" + uri + "]";
    }
}
