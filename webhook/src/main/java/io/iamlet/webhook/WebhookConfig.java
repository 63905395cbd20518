package io.iamlet.webhook;

import io.iamlet.associations.RoleSource;
import io.iamlet.identity.RoleArnAllowList;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The webhook's settings, built once from flags and environment and validated here, with messages that name the
 * setting. {@code tlsFiles} present means cert-manager (or another tool) provides the certificate; absent means the
 * webhook manages its own in {@code tlsSecret}. {@code writeAssociationStatus} takes effect only with a role source
 * that reads associations; {@code allowedRoles} is used for the status only (the agent enforces its own copy).
 */
public record WebhookConfig(
        InetSocketAddress listen,
        String namespace,
        String serviceName,
        String webhookConfiguration,
        String tlsSecret,
        Optional<TlsFiles> tlsFiles,
        Duration certificateValidity,
        Duration certificateRenewBefore,
        Duration certificateCheckInterval,
        Injection injection,
        RoleSource roleSource,
        String roleAnnotation,
        Duration roleCacheTtl,
        int maxRequestBytes,
        String logFormat,
        boolean writeAssociationStatus,
        RoleArnAllowList allowedRoles) {

    /** A certificate and key in PEM files, kept current by someone else. */
    public record TlsFiles(Path certificate, Path key) {}

    /** The CA outlives many serving certificates: it is the part that needs the caBundle to change. */
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final int MIN_REQUEST_BYTES = 64 * 1024;

    public WebhookConfig {
        require(namespace != null && !namespace.isBlank(),
                "--namespace must name the webhook's namespace (the Deployment sets IAMLET_NAMESPACE)");
        require(!serviceName.isBlank(), "--service-name must not be empty");
        require(!webhookConfiguration.isBlank(), "--webhook-configuration must not be empty");
        require(!tlsSecret.isBlank(), "--tls-secret must not be empty");
        require(certificateRenewBefore.isPositive() && certificateRenewBefore.compareTo(certificateValidity) < 0,
                "--certificate-renew-before must be positive and shorter than --certificate-validity ("
                        + certificateValidity + "), was " + certificateRenewBefore);
        require(certificateValidity.compareTo(Duration.ofDays(1)) >= 0
                        && certificateValidity.plus(certificateRenewBefore).compareTo(CA_VALIDITY) < 0,
                "--certificate-validity must be between 1d and 9y, was " + certificateValidity);
        require(certificateCheckInterval.compareTo(Duration.ofSeconds(10)) >= 0
                        && certificateCheckInterval.compareTo(certificateRenewBefore) < 0,
                "--certificate-check-interval must be at least 10s and shorter than --certificate-renew-before, was "
                        + certificateCheckInterval);
        require(roleSource != null, "--role-source must be annotation, association or both");
        require(!roleAnnotation.isBlank(), "--role-annotation must not be empty");
        require(!roleCacheTtl.isNegative(), "--role-cache-ttl must not be negative, was " + roleCacheTtl);
        require(maxRequestBytes >= MIN_REQUEST_BYTES,
                "--max-request-bytes must be at least " + MIN_REQUEST_BYTES + ", was " + maxRequestBytes);
        require(allowedRoles != null, "--allowed-role-pattern is required");
        require("json".equals(logFormat) || "text".equals(logFormat),
                "--log-format must be json or text, was '" + logFormat + "'");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
