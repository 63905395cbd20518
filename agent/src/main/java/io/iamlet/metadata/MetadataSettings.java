package io.iamlet.metadata;

import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.identity.RoleArns;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the metadata path, built once from flags and validated here, so that a bad value fails at start with a
 * message naming its flag.
 *
 * @param podRoleAnnotation      pod annotation naming the role ({@code --pod-role-annotation})
 * @param baseRoleArn            prefix turning a role name into an ARN, e.g. {@code arn:aws:iam::123456789012:role/}
 *                               ({@code --base-role-arn}); null: only full ARNs are accepted, unless discovered
 * @param autoDiscoverBaseArn    without {@code baseRoleArn}, derive the base from the node's instance profile
 *                               ({@code --auto-discover-base-arn}, see {@link BaseArnDiscovery})
 * @param defaultRole            role name or ARN for pods without the annotation ({@code --default-role}); null: none.
 *                               It gets no bypass of the namespace policy
 * @param namespaceRestrictions  enforce the namespaces' role policy, deny by default ({@code --namespace-restrictions})
 * @param imdsv2Required         refuse GETs without an IMDSv2 token ({@code --imdsv2-required})
 * @param allowedPaths           absolute metadata paths proxied to the upstream ({@code --metadata-allowed-path})
 * @param upstream               the real metadata service ({@code --metadata-upstream})
 * @param upstreamTimeout        bound of one upstream exchange, connect included ({@code --metadata-upstream-timeout})
 * @param allowedRoles           roles iamlet may hand out at all ({@code --allowed-role-pattern}, shared with the
 *                               container endpoint)
 */
public record MetadataSettings(
        String podRoleAnnotation,
        String baseRoleArn,
        boolean autoDiscoverBaseArn,
        String defaultRole,
        boolean namespaceRestrictions,
        boolean imdsv2Required,
        List<String> allowedPaths,
        URI upstream,
        Duration upstreamTimeout,
        RoleArnAllowList allowedRoles) {

    public static final String DEFAULT_POD_ROLE_ANNOTATION = "iam.amazonaws.com/role";
    public static final URI DEFAULT_UPSTREAM = URI.create("http://169.254.169.254");
    public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(1);

    /** The safe default allow-list: what SDKs and agents ask to learn where they run, nothing that names a secret. */
    public static final List<String> DEFAULT_ALLOWED_PATHS = List.of(
            "/latest/meta-data/ami-id",
            "/latest/meta-data/hostname",
            "/latest/meta-data/instance-id",
            "/latest/meta-data/instance-type",
            "/latest/meta-data/local-ipv4",
            "/latest/meta-data/mac",
            "/latest/meta-data/placement/availability-zone",
            "/latest/meta-data/placement/region");

    public MetadataSettings {
        if (podRoleAnnotation == null || podRoleAnnotation.isBlank()) {
            throw new IllegalArgumentException("--pod-role-annotation must not be empty");
        }
        baseRoleArn = blankToNull(baseRoleArn);
        defaultRole = blankToNull(defaultRole);
        if (baseRoleArn != null && !validBase(baseRoleArn)) {
            throw new IllegalArgumentException("--base-role-arn must be a role ARN prefix ending with '/', such as"
                    + " arn:aws:iam::123456789012:role/ (a path may follow role/)");
        }
        if (defaultRole != null) {
            // with discovery still to come, the name is checked against a placeholder base: only its shape matters
            String base = baseRoleArn != null ? baseRoleArn : autoDiscoverBaseArn ? "arn:aws:iam::000000000000:role/"
                    : null;
            String arn = defaultRole.startsWith("arn:") ? defaultRole : base == null ? null : base + defaultRole;
            if (arn == null) {
                throw new IllegalArgumentException("--default-role is a role name: --base-role-arn (or"
                        + " --auto-discover-base-arn) is needed to make it an ARN (or give a full ARN)");
            }
            RoleArns.problem(arn).ifPresent(p -> {
                throw new IllegalArgumentException("--default-role is not a valid IAM role: " + p);
            });
        }
        allowedPaths = List.copyOf(Objects.requireNonNull(allowedPaths, "allowedPaths"));
        for (String path : allowedPaths) {
            AllowedPaths.problem(path).ifPresent(p -> {
                throw new IllegalArgumentException("--metadata-allowed-path " + printable(path) + ": " + p);
            });
        }
        Objects.requireNonNull(upstream, "upstream");
        if (!"http".equals(upstream.getScheme()) || upstream.getHost() == null || upstream.getRawUserInfo() != null
                || upstream.getRawQuery() != null || upstream.getRawFragment() != null
                || !(upstream.getRawPath() == null || upstream.getRawPath().isEmpty()
                || upstream.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("--metadata-upstream must be http://HOST[:PORT] without a path, was "
                    + printable(upstream.toString()));
        }
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
        if (upstreamTimeout.isNegative() || upstreamTimeout.isZero() || upstreamTimeout.toSeconds() > 30) {
            throw new IllegalArgumentException(
                    "--metadata-upstream-timeout must be in (0s, 30s], was " + upstreamTimeout);
        }
        Objects.requireNonNull(allowedRoles, "allowedRoles");
    }

    /**
     * The defaults: annotation {@code iam.amazonaws.com/role}, no base ARN and no discovery of one (the flag's default
     * is on; the builder's is off, so a test never asks an upstream unless it says so), no default role, restrictions
     * on.
     */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().podRoleAnnotation(podRoleAnnotation).baseRoleArn(baseRoleArn)
                .autoDiscoverBaseArn(autoDiscoverBaseArn).defaultRole(defaultRole)
                .namespaceRestrictions(namespaceRestrictions).imdsv2Required(imdsv2Required)
                .allowedPaths(allowedPaths).upstream(upstream).upstreamTimeout(upstreamTimeout)
                .allowedRoles(allowedRoles);
    }

    /** {@code arn:<partition>:iam::<account>:role/[path/]}: a valid ARN once a name is appended. */
    private static boolean validBase(String base) {
        return base.endsWith("/") && base.contains(":role/") && RoleArns.isValid(base + "x");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    static String printable(String s) {
        return s == null ? "null" : "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }

    public static final class Builder {
        private String podRoleAnnotation = DEFAULT_POD_ROLE_ANNOTATION;
        private String baseRoleArn;
        private boolean autoDiscoverBaseArn;
        private String defaultRole;
        private boolean namespaceRestrictions = true;
        private boolean imdsv2Required;
        private List<String> allowedPaths = DEFAULT_ALLOWED_PATHS;
        private URI upstream = DEFAULT_UPSTREAM;
        private Duration upstreamTimeout = DEFAULT_UPSTREAM_TIMEOUT;
        private RoleArnAllowList allowedRoles = RoleArnAllowList.allowAll();

        private Builder() {
        }

        public Builder podRoleAnnotation(String value) {
            podRoleAnnotation = value;
            return this;
        }

        public Builder baseRoleArn(String value) {
            baseRoleArn = value;
            return this;
        }

        public Builder autoDiscoverBaseArn(boolean value) {
            autoDiscoverBaseArn = value;
            return this;
        }

        public Builder defaultRole(String value) {
            defaultRole = value;
            return this;
        }

        public Builder namespaceRestrictions(boolean value) {
            namespaceRestrictions = value;
            return this;
        }

        public Builder imdsv2Required(boolean value) {
            imdsv2Required = value;
            return this;
        }

        public Builder allowedPaths(List<String> value) {
            allowedPaths = new ArrayList<>(value);
            return this;
        }

        public Builder upstream(URI value) {
            upstream = value;
            return this;
        }

        public Builder upstreamTimeout(Duration value) {
            upstreamTimeout = value;
            return this;
        }

        public Builder allowedRoles(RoleArnAllowList value) {
            allowedRoles = value;
            return this;
        }

        public MetadataSettings build() {
            return new MetadataSettings(podRoleAnnotation, baseRoleArn, autoDiscoverBaseArn, defaultRole, namespaceRestrictions,
                    imdsv2Required, allowedPaths, upstream, upstreamTimeout, allowedRoles);
        }
    }
}
