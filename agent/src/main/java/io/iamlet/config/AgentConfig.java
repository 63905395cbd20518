package io.iamlet.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@code iamlet serve} is told, built once from flags and environment and validated here, so a bad
 * combination fails at start with a message naming the setting, never at the first request.
 */
public record AgentConfig(
        String nodeName,
        String hostIp,
        List<String> containerListen,
        List<String> metadataListen,
        List<String> probeListen,
        List<String> metricsListen,
        CredentialSourceKind credentialSource,
        String audience,
        String issuer,
        String roleAnnotation,
        String podRoleAnnotation,
        List<String> allowedRolePatterns,
        String clusterName,
        URI stsEndpoint,
        Duration sessionDuration,
        double refreshFraction,
        Duration refreshMinRemaining,
        Duration unknownIpWait,
        int cacheMaxIdentities,
        Duration shutdownTimeout,
        String logFormat,
        boolean auditEveryGrant,
        Metadata metadata) {

    /** The metadata path's settings (kube2iam style); used only when {@code --metadata-listen} is set. */
    public record Metadata(
            String baseRoleArn,
            boolean autoDiscoverBaseArn,
            String defaultRole,
            boolean namespaceRestrictions,
            boolean imdsv2Required,
            List<String> allowedPaths,
            URI upstream,
            Duration upstreamTimeout) {

        public Metadata {
            allowedPaths = List.copyOf(allowedPaths);
            Objects.requireNonNull(upstream, "--metadata-upstream");
        }
    }

    public AgentConfig {
        require(nodeName != null && !nodeName.isBlank(), "--node-name is required (set IAMLET_NODE_NAME from the "
                + "downward API's spec.nodeName)");
        containerListen = List.copyOf(containerListen);
        metadataListen = List.copyOf(metadataListen);
        probeListen = List.copyOf(probeListen);
        metricsListen = List.copyOf(metricsListen);
        allowedRolePatterns = List.copyOf(allowedRolePatterns);
        Objects.requireNonNull(credentialSource, "--credential-source");
        require(!containerListen.isEmpty() || !metadataListen.isEmpty(),
                "--container-listen and --metadata-listen are both empty: iamlet would serve nothing");
        require(audience != null && !audience.isBlank(), "--audience must not be empty");
        require(roleAnnotation != null && !roleAnnotation.isBlank(), "--role-annotation must not be empty");
        require(podRoleAnnotation != null && !podRoleAnnotation.isBlank(), "--pod-role-annotation must not be empty");
        require(credentialSource != CredentialSourceKind.ASSUME_ROLE || (clusterName != null && !clusterName.isBlank()),
                "--cluster-name is required with --credential-source=assume-role (it becomes the eks-cluster-name tag)");
        require(metadataListen.isEmpty() || (clusterName != null && !clusterName.isBlank()),
                "--cluster-name is required when --metadata-listen is set (the metadata path uses assume-role)");
        require(sessionDuration.compareTo(Duration.ofMinutes(15)) >= 0 && sessionDuration.compareTo(Duration.ofHours(12)) <= 0,
                "--session-duration must be between 15m and 12h (STS limits), was " + sessionDuration);
        require(refreshFraction > 0 && refreshFraction <= 1,
                "--refresh-fraction must be in (0,1], was " + refreshFraction);
        require(!refreshMinRemaining.isNegative() && refreshMinRemaining.compareTo(sessionDuration) < 0,
                "--refresh-min-remaining must be at least 0 and shorter than --session-duration, was " + refreshMinRemaining);
        require(!unknownIpWait.isNegative() && unknownIpWait.compareTo(Duration.ofSeconds(10)) <= 0,
                "--unknown-ip-wait must be between 0 and 10s (SDKs time out after 1-2 s), was " + unknownIpWait);
        require(cacheMaxIdentities >= 1, "--cache-max-identities must be at least 1, was " + cacheMaxIdentities);
        require(!shutdownTimeout.isNegative() && !shutdownTimeout.isZero(),
                "--shutdown-timeout must be positive, was " + shutdownTimeout);
        require("json".equals(logFormat) || "text".equals(logFormat),
                "--log-format must be json or text, was '" + logFormat + "'");
    }

    public boolean metadataEnabled() {
        return !metadataListen.isEmpty();
    }

    public boolean containerEnabled() {
        return !containerListen.isEmpty();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
