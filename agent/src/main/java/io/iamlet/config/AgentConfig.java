package io.iamlet.config;

import io.iamlet.associations.RoleSource;
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
        RoleSource roleSource,
        Faults faults,
        Metadata metadata) {

    /**
     * How requests are bounded when a dependency is slow or failing, and how much one caller may hold.
     *
     * @param requestDeadline          a credential request not answered within this gets 503 (retryable) while the
     *                                 load it waits for goes on in the background
     * @param stsFirstLoadTimeout      STS budget of a load a request waits for: one attempt of at most this long
     *                                 (background renewals keep the longer budget with retries)
     * @param failedLoadUnavailable    how long a load that failed for a transient reason (STS down, throttled) is
     *                                 remembered and answered without a new STS call (jittered)
     * @param failedLoadDenied         the same for a load STS refused (access denied, bad trust policy)
     * @param maxConnectionsPerSource  open connections one source address may hold on one listener
     */
    public record Faults(
            Duration requestDeadline,
            Duration stsFirstLoadTimeout,
            Duration failedLoadUnavailable,
            Duration failedLoadDenied,
            int maxConnectionsPerSource) {

        public Faults {
            require(requestDeadline.compareTo(Duration.ofMillis(200)) >= 0
                            && requestDeadline.compareTo(Duration.ofSeconds(30)) <= 0,
                    "--request-deadline must be between 200ms and 30s, was " + requestDeadline);
            require(stsFirstLoadTimeout.compareTo(Duration.ofMillis(100)) >= 0
                            && stsFirstLoadTimeout.compareTo(Duration.ofSeconds(30)) <= 0,
                    "--sts-first-load-timeout must be between 100ms and 30s, was " + stsFirstLoadTimeout);
            require(!failedLoadUnavailable.isNegative() && failedLoadUnavailable.compareTo(Duration.ofMinutes(5)) <= 0,
                    "--failed-load-ttl-unavailable must be between 0 and 5m, was " + failedLoadUnavailable);
            require(!failedLoadDenied.isNegative() && failedLoadDenied.compareTo(Duration.ofMinutes(30)) <= 0,
                    "--failed-load-ttl-denied must be between 0 and 30m, was " + failedLoadDenied);
            require(maxConnectionsPerSource >= 1,
                    "--max-connections-per-source must be at least 1, was " + maxConnectionsPerSource);
        }

        /** 1.5 s deadline, 1.5 s first load, failures remembered 3 s (unavailable) and 30 s (denied), 64 per source. */
        public static Faults defaults() {
            return new Faults(Duration.ofMillis(1500), Duration.ofMillis(1500), Duration.ofSeconds(3),
                    Duration.ofSeconds(30), 64);
        }
    }

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
        Objects.requireNonNull(roleSource, "--role-source");
        Objects.requireNonNull(faults, "faults");
        require(unknownIpWait.compareTo(faults.requestDeadline()) < 0,
                "--unknown-ip-wait must be shorter than --request-deadline (else a new pod's request always times "
                        + "out), was " + unknownIpWait + " with a deadline of " + faults.requestDeadline());
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
