package io.iamlet.deploy;

import java.time.Duration;
import java.util.Set;

/**
 * The command-line contract the manifests rely on, copied from FLAGS.md: which IAMLET_* variables each
 * subcommand reads, and the defaults the manifests lean on. (To be replaced by reading picocli's CommandSpec
 * once io.iamlet.config exists, so that the manifests are checked against the real parser.)
 */
final class CliContract {
    static final Set<String> SERVE_ENV = Set.of(
            "IAMLET_NODE_NAME", "IAMLET_HOST_IP", "IAMLET_CONTAINER_LISTEN", "IAMLET_METADATA_LISTEN",
            "IAMLET_PROBE_LISTEN", "IAMLET_METRICS_LISTEN", "IAMLET_CREDENTIAL_SOURCE", "IAMLET_AUDIENCE",
            "IAMLET_ROLE_ANNOTATION", "IAMLET_POD_ROLE_ANNOTATION", "IAMLET_ALLOWED_ROLE_PATTERN",
            "IAMLET_CLUSTER_NAME", "IAMLET_SESSION_DURATION", "IAMLET_REFRESH_FRACTION",
            "IAMLET_REFRESH_MIN_REMAINING", "IAMLET_UNKNOWN_IP_WAIT", "IAMLET_CACHE_MAX_IDENTITIES",
            "IAMLET_SHUTDOWN_TIMEOUT", "IAMLET_LOG_FORMAT");

    static final Set<String> NODE_SETUP_ENV = Set.of(
            "IAMLET_LINK_NAME", "IAMLET_CONTAINER_ADDRESS", "IAMLET_POD_INTERFACE", "IAMLET_HOST_IP",
            "IAMLET_METADATA_PORT");

    static final String DEFAULT_AUDIENCE = "pods.eks.amazonaws.com";
    static final String DEFAULT_CREDENTIAL_SOURCE = "web-identity";
    static final String DEFAULT_PROBE_LISTEN = "127.0.0.1:2703";
    static final String DEFAULT_METRICS_PORT = "9876";
    static final String DEFAULT_METADATA_PORT = "8181";
    static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);

    /** The container endpoint SDKs are pointed at (AWS_CONTAINER_CREDENTIALS_FULL_URI). */
    static final String CONTAINER_CREDENTIALS_URI = "http://169.254.170.23/v1/credentials";

    private CliContract() {}

    /** FLAGS.md durations: {@code 500ms}, {@code 2s}, {@code 30m}, {@code 1h} or ISO-8601. */
    static Duration duration(String text) {
        if (text.startsWith("P") || text.startsWith("p")) {
            return Duration.parse(text);
        }
        var matcher = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }
}
