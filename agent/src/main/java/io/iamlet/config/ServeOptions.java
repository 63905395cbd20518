package io.iamlet.config;

import io.iamlet.associations.RoleSource;
import io.iamlet.credentials.sts.StsEndpoints;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The flags of {@code iamlet serve}. Each has an environment twin ({@link EnvironmentDefaults}); list-valued
 * flags take commas, so one environment variable can carry several values.
 */
public final class ServeOptions {

    @Option(names = "--node-name", paramLabel = "NAME",
            description = "This node's name (downward API spec.nodeName). Only pods of this node are watched.")
    String nodeName;

    @Option(names = "--host-ip", paramLabel = "IP",
            description = "This node's IP (downward API status.hostIP). Default address of the metrics listener.")
    String hostIp;

    @Option(names = "--container-listen", split = ",", paramLabel = "HOST:PORT",
            defaultValue = "169.254.170.23:80,[fd00:ec2::23]:80",
            description = "Listeners of the container endpoint (/v1/credentials). One that cannot bind is skipped "
                    + "as long as another binds. Empty turns the endpoint off.")
    List<String> containerListen = new ArrayList<>();

    @Option(names = "--metadata-listen", split = ",", paramLabel = "HOST:PORT", defaultValue = "",
            description = "Listeners of the instance-metadata emulation (kube2iam style), e.g. HOST_IP:8181, the "
                    + "target of node-setup's DNAT rule. Empty (the default) turns the metadata path off.")
    List<String> metadataListen = new ArrayList<>();

    @Option(names = "--probe-listen", split = ",", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2703",
            description = "Listeners of /healthz and /readyz (keep them on loopback: out of pods' reach).")
    List<String> probeListen = new ArrayList<>();

    @Option(names = "--metrics-listen", split = ",", paramLabel = "HOST:PORT", defaultValue = "",
            description = "Listeners of /metrics. Default: HOST_IP:9876 when --host-ip is set, else 127.0.0.1:9876.")
    List<String> metricsListen = new ArrayList<>();

    @Option(names = "--credential-source", paramLabel = "SOURCE", defaultValue = "web-identity",
            description = "web-identity: AssumeRoleWithWebIdentity with the pod's own token (the node needs no IAM "
                    + "permission). assume-role: the node's credentials call AssumeRole with per-pod session tags.")
    String credentialSource;

    @Option(names = "--audience", paramLabel = "AUD", defaultValue = "pods.eks.amazonaws.com",
            description = "Audience a projected token must carry.")
    String audience;

    @Option(names = "--issuer", paramLabel = "URL", defaultValue = "",
            description = "Expected token issuer. Default: the issuer the API server announces at "
                    + "/.well-known/openid-configuration.")
    String issuer;

    @Option(names = "--role-annotation", paramLabel = "KEY", defaultValue = "eks.amazonaws.com/role-arn",
            description = "Service-account annotation naming the role (container endpoint).")
    String roleAnnotation;

    @Option(names = "--pod-role-annotation", paramLabel = "KEY", defaultValue = "iam.amazonaws.com/role",
            description = "Pod annotation naming the role (metadata path, kube2iam style).")
    String podRoleAnnotation;

    @Option(names = "--base-role-arn", paramLabel = "ARN", defaultValue = "",
            description = "Prefix for pod annotations that name a role rather than a full ARN (metadata path), e.g. "
                    + "arn:aws:iam::111122223333:role/. Without it, the base is discovered from the node's instance profile "
                    + "(--auto-discover-base-arn), else only full ARNs are accepted.")
    String baseRoleArn;

    @Option(names = "--auto-discover-base-arn", paramLabel = "BOOLEAN", defaultValue = "true", arity = "1",
            description = "Metadata path, without --base-role-arn: derive the base role ARN "
                    + "(arn:<partition>:iam::<account>:role/) from the node's own instance profile "
                    + "(iam/info of --metadata-upstream), retrying in the background until it succeeds. Until then, "
                    + "and with false, annotations naming a role rather than a full ARN are refused.")
    boolean autoDiscoverBaseArn;

    @Option(names = "--default-role", paramLabel = "ROLE", defaultValue = "",
            description = "Role for pods without the pod role annotation (metadata path). It gets no bypass of "
                    + "namespace restrictions. Empty: such pods get no credentials.")
    String defaultRole;

    @Option(names = "--namespace-restrictions", paramLabel = "BOOLEAN", defaultValue = "true", arity = "1",
            description = "Metadata path: a pod gets its role only if its namespace allows it "
                    + "(iam.amazonaws.com/allowed-roles or iam.amazonaws.com/permitted); a namespace without either "
                    + "allows nothing. false: any well-formed role (not recommended).")
    boolean namespaceRestrictions;

    @Option(names = "--imdsv2-required", paramLabel = "BOOLEAN", defaultValue = "false", arity = "1",
            description = "Metadata path: refuse IMDSv1 requests (no session token) with 401, like an instance "
                    + "with HttpTokens=required.")
    boolean imdsv2Required;

    @Option(names = "--metadata-allowed-path", split = ",", paramLabel = "PATH", defaultValue = "",
            description = "Metadata paths proxied to the real instance metadata service; everything else answers "
                    + "404. Empty: ami-id, hostname, instance-id, instance-type, local-ipv4, mac, "
                    + "placement/availability-zone and placement/region under /latest/meta-data/. user-data, iam/, "
                    + "identity-credentials/ and the signed identity documents are never proxied.")
    List<String> metadataAllowedPaths = new ArrayList<>();

    @Option(names = "--metadata-upstream", paramLabel = "URL", defaultValue = "http://169.254.169.254",
            description = "The real instance metadata service, for allowed paths (iamlet uses its own IMDSv2 token).")
    String metadataUpstream;

    @Option(names = "--metadata-upstream-timeout", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationConverter.class,
            description = "Longest wait for the real instance metadata service.")
    Duration metadataUpstreamTimeout;

    @Option(names = "--allowed-role-pattern", split = ",", paramLabel = "GLOB", defaultValue = "",
            description = "Role ARNs iamlet will ever assume, as globs (* matches within the ARN), e.g. "
                    + "arn:aws:iam::111122223333:role/app-*. Empty: any well-formed role ARN.")
    List<String> allowedRolePatterns = new ArrayList<>();

    @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "",
            description = "Cluster name for the eks-cluster-name session tag (required with assume-role).")
    String clusterName;

    @Option(names = "--sts-endpoint", paramLabel = "URL", defaultValue = "",
            description = "STS endpoint override: an http(s) URL without user info, query or fragment (requests "
                    + "are signed for its path alone). Default: the regional endpoint of AWS_REGION, or "
                    + "AWS_ENDPOINT_URL_STS when set.")
    String stsEndpoint;

    @Option(names = "--session-duration", paramLabel = "DURATION", defaultValue = "1h",
            converter = DurationConverter.class, description = "Lifetime asked of STS (15m to 12h).")
    Duration sessionDuration;

    @Option(names = "--refresh-fraction", paramLabel = "FRACTION", defaultValue = "0.8",
            description = "Renew credentials once this fraction of their lifetime has passed...")
    double refreshFraction;

    @Option(names = "--refresh-min-remaining", paramLabel = "DURATION", defaultValue = "30m",
            converter = DurationConverter.class,
            description = "...or when this much lifetime is left, whichever comes first.")
    Duration refreshMinRemaining;

    @Option(names = "--unknown-ip-wait", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationConverter.class,
            description = "How long a request from an IP (or, on the container endpoint, a token's pod) not yet "
                    + "indexed waits for the pod informer before 503. Must be shorter than --request-deadline.")
    Duration unknownIpWait;

    @Option(names = "--cache-max-identities", paramLabel = "N", defaultValue = "10000",
            description = "Most identities whose credentials are cached at once.")
    int cacheMaxIdentities;

    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", defaultValue = "20s",
            converter = DurationConverter.class,
            description = "Longest graceful shutdown; keep it below the pod's terminationGracePeriodSeconds.")
    Duration shutdownTimeout;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "json",
            description = "json (one object per line) or text.")
    String logFormat;

    @Option(names = "--audit-every-grant", paramLabel = "BOOLEAN", defaultValue = "false", arity = "1",
            description = "Write an audit line for every grant. false: the first grant of each credential (access "
                    + "key id) to each pod is written and repeats are counted in iamlet_audit_repeats_total; "
                    + "denials are always written.")
    boolean auditEveryGrant;

    @Option(names = "--role-source", paramLabel = "SOURCE", defaultValue = "annotation",
            description = "Where the container endpoint finds a service account's role. annotation: its "
                    + "eks.amazonaws.com/role-arn (--role-annotation), IRSA-compatible. association: cluster-scoped "
                    + "PodIdentityAssociation objects only (the annotation is ignored: namespace owners cannot "
                    + "pick roles). both: an association when one matches, else the annotation. See "
                    + "docs/associations.md.")
    String roleSource;

    @Option(names = "--request-deadline", paramLabel = "DURATION", defaultValue = "1500ms",
            converter = DurationConverter.class,
            description = "A credential request (container endpoint or metadata path) not answered within this gets "
                    + "503, which every SDK retries, while the STS call it waits for goes on in the background, so "
                    + "the retry finds the credentials. Keep it under the SDKs' timeouts (botocore 2 s).")
    Duration requestDeadline;

    @Option(names = "--sts-first-load-timeout", paramLabel = "DURATION", defaultValue = "1500ms",
            converter = DurationConverter.class,
            description = "STS budget of a load a request is waiting for: one attempt of at most this long. "
                    + "Background renewals keep the longer budget (3 attempts of 5 s) and retry with backoff.")
    Duration stsFirstLoadTimeout;

    @Option(names = "--failed-load-ttl-unavailable", paramLabel = "DURATION", defaultValue = "3s",
            converter = DurationConverter.class,
            description = "How long a load that failed for a transient reason (STS unreachable, throttling, 5xx) is "
                    + "remembered, jittered: requests for that identity meanwhile get the same 503 without a new "
                    + "STS call. 0s turns it off.")
    Duration failedLoadTtlUnavailable;

    @Option(names = "--failed-load-ttl-denied", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "The same for a load STS refused (access denied, untrusted role): requests get the same "
                    + "403 without a new STS call. 0s turns it off.")
    Duration failedLoadTtlDenied;

    @Option(names = "--max-connections-per-source", paramLabel = "N", defaultValue = "64",
            description = "Open connections one source address may hold on one credential listener; more are "
                    + "closed at once, so one pod cannot take the connections every other pod needs.")
    int maxConnectionsPerSource;

    /** Parses {@code serve}'s flags (with their environment twins from {@code env}) into a configuration. */
    public static AgentConfig parse(java.util.Map<String, String> env, String... args) {
        @picocli.CommandLine.Command(name = "serve")
        final class Holder {
            @picocli.CommandLine.Mixin
            ServeOptions options;
        }
        var holder = new Holder();
        new picocli.CommandLine(holder).setDefaultValueProvider(new EnvironmentDefaults(env)).parseArgs(args);
        return holder.options.toConfig();
    }

    /** Validates and freezes the options. Throws IllegalArgumentException naming the bad setting. */
    public AgentConfig toConfig() {
        List<String> metrics = clean(metricsListen);
        if (metrics.isEmpty()) {
            metrics = List.of(blank(hostIp) ? "127.0.0.1:9876" : hostPort(hostIp, 9876));
        }
        return new AgentConfig(
                nodeName,
                blank(hostIp) ? null : hostIp.trim(),
                clean(containerListen),
                clean(metadataListen),
                clean(probeListen),
                metrics,
                CredentialSourceKind.fromFlag(credentialSource),
                audience,
                blank(issuer) ? null : issuer.trim(),
                roleAnnotation,
                podRoleAnnotation,
                clean(allowedRolePatterns),
                blank(clusterName) ? null : clusterName.trim(),
                blank(stsEndpoint) ? null
                        : StsEndpoints.checked("--sts-endpoint", parseUri("--sts-endpoint", stsEndpoint)),
                sessionDuration,
                refreshFraction,
                refreshMinRemaining,
                unknownIpWait,
                cacheMaxIdentities,
                shutdownTimeout,
                logFormat,
                auditEveryGrant,
                RoleSource.of(roleSource),
                new AgentConfig.Faults(requestDeadline, stsFirstLoadTimeout, failedLoadTtlUnavailable,
                        failedLoadTtlDenied, maxConnectionsPerSource),
                new AgentConfig.Metadata(blank(baseRoleArn) ? null : baseRoleArn.trim(), autoDiscoverBaseArn,
                        blank(defaultRole) ? null : defaultRole.trim(), namespaceRestrictions, imdsv2Required,
                        clean(metadataAllowedPaths), parseUri("--metadata-upstream", metadataUpstream),
                        metadataUpstreamTimeout));
    }

    private static URI parseUri(String flag, String value) {
        try {
            URI uri = URI.create(value.trim());
            if (uri.getScheme() != null && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " must be an absolute URL, was '" + value + "'");
    }

    static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static List<String> clean(List<String> values) {
        return values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
