package io.iamlet.credentials.sts;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * The instance profile's keys from instance metadata, IMDSv2: {@code PUT /latest/api/token}, then with that token
 * {@code GET /latest/meta-data/iam/security-credentials/} (the role's name) and
 * {@code GET /latest/meta-data/iam/security-credentials/<role>}. As the AWS SDK does, a token refused with
 * 403/404/405 falls back to IMDSv1 unless {@code AWS_EC2_METADATA_V1_DISABLED=true}.
 *
 * <p>The endpoint is {@code aws.ec2MetadataServiceEndpoint} / {@code AWS_EC2_METADATA_SERVICE_ENDPOINT} when set,
 * else {@code http://[fd00:ec2::254]} with {@code AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6}, else
 * {@link #DEFAULT_ENDPOINT}. Nothing is fetched until keys are first needed.
 */
final class InstanceProfileKeys {

    static final String DEFAULT_ENDPOINT = "http://169.254.169.254";
    static final String SOURCE = "instance metadata";
    static final String TOKEN_TTL_SECONDS = "21600";
    private static final String CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/";

    private final URI endpoint;
    private final boolean v1Disabled;
    private final LocalHttp http;

    InstanceProfileKeys(URI endpoint, boolean v1Disabled, LocalHttp http) {
        this.endpoint = endpoint;
        this.v1Disabled = v1Disabled;
        this.http = http;
    }

    static boolean disabled(Map<String, String> env, Properties system) {
        return "true".equalsIgnoreCase(setting(env, system, "AWS_EC2_METADATA_DISABLED", "aws.disableEc2Metadata"));
    }

    /** The endpoint the settings name; {@link #DEFAULT_ENDPOINT} only when nothing overrides it. */
    static URI endpoint(Map<String, String> env, Properties system) {
        String configured = setting(env, system, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "aws.ec2MetadataServiceEndpoint");
        if (configured != null) {
            String trimmed = configured.trim();
            return URI.create(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
        }
        String mode = setting(env, system, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                "aws.ec2MetadataServiceEndpointMode");
        return URI.create("ipv6".equalsIgnoreCase(mode) ? "http://[fd00:ec2::254]" : DEFAULT_ENDPOINT);
    }

    static NodeKeys create(Map<String, String> env, Properties system, LocalHttp http, Clock clock) {
        var imds = new InstanceProfileKeys(endpoint(env, system),
                "true".equalsIgnoreCase(setting(env, system, "AWS_EC2_METADATA_V1_DISABLED", "aws.disableEc2MetadataV1")),
                http);
        return new RenewingKeys("instance-profile", imds::fetch, clock);
    }

    CompletableFuture<AwsKeys> fetch() {
        var put = HttpRequest.newBuilder(endpoint.resolve("/latest/api/token"))
                .header("x-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL_SECONDS)
                .PUT(HttpRequest.BodyPublishers.noBody());
        return http.send(put, SOURCE).thenCompose(response -> {
            int status = response.statusCode();
            if (status == 200) {
                return withToken(new String(response.body(), StandardCharsets.UTF_8).strip());
            }
            if ((status == 403 || status == 404 || status == 405) && !v1Disabled) {
                return withToken(null);
            }
            throw new StsTransportException(SOURCE + " refused a session token: HTTP " + status);
        });
    }

    private CompletableFuture<AwsKeys> withToken(String token) {
        return get(CREDENTIALS_PATH, token).thenCompose(names -> {
            String role = new String(names, StandardCharsets.UTF_8).strip().lines().findFirst().orElse("").strip();
            if (role.isEmpty() || role.contains("/")) {
                throw new StsTransportException(SOURCE + " names no instance profile role");
            }
            return get(CREDENTIALS_PATH + role, token);
        }).thenApply(body -> KeysDocument.parse(body, SOURCE));
    }

    private CompletableFuture<byte[]> get(String path, String token) {
        var request = LocalHttp.get(endpoint.resolve(path));
        if (token != null) {
            request.header("x-aws-ec2-metadata-token", token);
        }
        return http.send(request, SOURCE).thenApply((HttpResponse<byte[]> response) -> {
            if (response.statusCode() != 200) {
                throw new StsTransportException(SOURCE + " answered HTTP " + response.statusCode() + " for " + path);
            }
            return response.body();
        });
    }

    private static String setting(Map<String, String> env, Properties system, String variable, String property) {
        String value = system.getProperty(property);
        if (value == null || value.isBlank()) {
            value = env.get(variable);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
