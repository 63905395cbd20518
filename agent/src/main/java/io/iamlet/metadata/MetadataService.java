package io.iamlet.metadata;

import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.pods.PodIndex;
import io.iamlet.server.Handler;
import io.iamlet.server.Routes;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The instance-metadata emulation for pods (kube2iam style), served on the listener that node-setup's DNAT rule
 * sends 169.254.169.254:80 to. Build it once, before the pod index starts (it registers the prefetch listener), and
 * serve {@link #routes()} with {@code HttpServer.builder("metadata", service.routes(), registry)
 * .serverHeader(MetadataService.SERVER_HEADER)}. Serve nothing else on that listener: every pod can reach it.
 *
 * <pre>
 *   PUT /latest/api/token                                iamlet's own IMDSv2 tokens
 *   GET /latest/meta-data/iam/security-credentials[/]    the pod's role name
 *   GET /latest/meta-data/iam/security-credentials/NAME  the role's credentials (NAME must be the pod's role)
 *   GET /latest/meta-data/iam/security-credentials-extended[/...]  404
 *   GET /latest/meta-data/iam/info                        synthesised for the pod's role
 *   GET anything else                                     listing, allow-listed proxy, or 404
 * </pre>
 * Every GET passes the token check first (401 for a bad token, or for none when IMDSv2 is required).
 */
public final class MetadataService {

    /** The {@code Server} header real IMDS sends; at least one client checks it. */
    public static final String SERVER_HEADER = "EC2ws";

    private final Routes routes;

    /**
     * @param pods        the node's pods; the prefetch listener is added to it here
     * @param namespaces  namespace role policies ({@link InformerNamespacePolicies} in production)
     * @param credentials the credential cache over the assume-role source
     * @param upstream    the node's real metadata service, for allow-listed paths; closed by the caller
     * @param clock       token expiry and the {@code iam/info} timestamp
     */
    public MetadataService(PodIndex pods, NamespacePolicies namespaces, CredentialProvider credentials,
                           MetadataSettings settings, UpstreamMetadata upstream, AuditLog audit,
                           Clock clock, MeterRegistry registry) {
        this(pods, namespaces, credentials, settings, settings::baseRoleArn, upstream, audit, clock, registry);
    }

    /**
     * As above, with the base role ARN read at each request from {@code baseRoleArn} (null: none yet), as
     * {@link BaseArnDiscovery#baseRoleArn} gives it.
     */
    public MetadataService(PodIndex pods, NamespacePolicies namespaces, CredentialProvider credentials,
                           MetadataSettings settings, Supplier<String> baseRoleArn, UpstreamMetadata upstream,
                           AuditLog audit, Clock clock, MeterRegistry registry) {
        Objects.requireNonNull(pods, "pods");
        Objects.requireNonNull(namespaces, "namespaces");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(baseRoleArn, "baseRoleArn");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(clock, "clock");
        MetadataMetrics metrics = new MetadataMetrics(Objects.requireNonNull(registry, "registry"));

        RoleDecider decider = new RoleDecider(pods, new RoleChoice(settings, baseRoleArn), namespaces, settings);
        TokenEndpoint token = new TokenEndpoint(new ImdsTokens(clock, new SecureRandom()),
                settings.imdsv2Required(), metrics);
        IamRoutes iam = new IamRoutes(decider, credentials, audit, metrics, clock.instant());
        ProxyHandler proxy = new ProxyHandler(new AllowedPaths(settings.allowedPaths()), upstream, metrics);

        Handler roleName = token.guard(iam::roleName);
        Handler extended = token.guard(IamRoutes::extendedNotFound);
        this.routes = Routes.builder()
                .exact("PUT", "/latest/api/token", "metadata_token", token::issue)
                .get("/latest/meta-data/iam/security-credentials", "metadata_iam", roleName)
                .get(IamRoutes.CREDENTIALS, "metadata_iam", roleName)
                .prefix("GET", IamRoutes.CREDENTIALS, "metadata_credentials", token.guard(iam::credentials))
                .get("/latest/meta-data/iam/security-credentials-extended", "metadata_iam", extended)
                .prefix("GET", "/latest/meta-data/iam/security-credentials-extended/", "metadata_iam", extended)
                .get("/latest/meta-data/iam/info", "metadata_iam", token.guard(iam::info))
                .prefix("GET", "/", "metadata_proxy", token.guard(proxy::handle))
                .build();

        pods.addListener(new Prefetcher(decider, credentials, metrics));
    }

    /** The routing table of the metadata listener. */
    public Routes routes() {
        return routes;
    }
}
