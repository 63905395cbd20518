package io.iamlet.webhook;

import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.associations.AssociationStore;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.associations.RoleSource;
import io.iamlet.config.DurationConverter;
import io.iamlet.injection.InjectionNames;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.pods.KubernetesClients;
import io.iamlet.webhook.status.AssociationStatusWriter;
import io.iamlet.webhook.status.StatusLeadership;
import io.iamlet.webhook.tls.CaBundlePublisher;
import io.iamlet.webhook.tls.CertificateRotation;
import io.iamlet.webhook.tls.CertificateSource;
import io.iamlet.webhook.tls.FileCertificates;
import io.iamlet.webhook.tls.SelfManagedCertificates;
import io.iamlet.webhook.tls.ServingContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code iamlet webhook}: the mutating admission webhook, as its Deployment runs it (daemonset/webhook). Start:
 * certificate first (created or read from the shared Secret, CA bundle published), then the HTTPS server; a failure
 * before serving exits non-zero with the reason, and the kubelet retries.
 */
@Command(addMethodSubcommands = false, name = "webhook", mixinStandardHelpOptions = true,
        description = "Run the admission webhook that injects the container-credentials settings into pods.")
final class WebhookCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookCommand.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The kinds the webhook's client binds by kind (see {@link KubernetesClients}): the admission request's pod,
     * and what it reads or writes itself: service accounts, the certificate Secret, the webhook configuration, the
     * status writer's Lease and the associations.
     */
    static final List<Class<? extends KubernetesResource>> KINDS = List.of(Pod.class, ServiceAccount.class,
            Secret.class, MutatingWebhookConfiguration.class, Lease.class, PodIdentityAssociation.class);
    /** A lookup's bound on the association store (its first list is awaited before serving, so this is rarely met). */
    private static final Duration ASSOCIATION_WAIT = Duration.ofSeconds(2);
    private static final Duration ASSOCIATION_SYNC = Duration.ofSeconds(60);
    /** The Lease whose holder writes association status; RBAC grants get/update on this name. */
    static final String STATUS_LEASE = "iamlet-webhook-status";

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8443",
            description = "HTTPS port (the Service targets it).")
    int port;

    @Option(names = "--bind-address", paramLabel = "IP",
            description = "Listen on this address only (an IP literal, e.g. 127.0.0.1 for a local test). Default: "
                    + "every address of the pod, IPv4 and IPv6.")
    String bindAddress;

    @Option(names = "--namespace", paramLabel = "NAME",
            description = "The webhook's own namespace (its Secret and Service live there); the Deployment sets it.")
    String namespace;

    @Option(names = "--service-name", paramLabel = "NAME", defaultValue = "iamlet-webhook",
            description = "The Service the API server calls; the certificate is issued for its names.")
    String serviceName;

    @Option(names = "--webhook-configuration", paramLabel = "NAME", defaultValue = "iamlet-webhook",
            description = "The MutatingWebhookConfiguration whose caBundle the webhook keeps.")
    String webhookConfiguration;

    @Option(names = "--tls-secret", paramLabel = "NAME", defaultValue = "iamlet-webhook-tls",
            description = "The Secret holding the webhook's CA and serving certificate, shared by the replicas.")
    String tlsSecret;

    @Option(names = "--tls-cert-file", paramLabel = "FILE",
            description = "Serve this PEM certificate (with --tls-key-file) instead of managing one: cert-manager's "
                    + "mounted Secret. The caBundle is then left to cert-manager's CA injector.")
    Path tlsCertFile;

    @Option(names = "--tls-key-file", paramLabel = "FILE", description = "The PEM private key of --tls-cert-file.")
    Path tlsKeyFile;

    @Option(names = "--certificate-validity", paramLabel = "DURATION", defaultValue = "365d",
            converter = DurationConverter.class,
            description = "Lifetime of a serving certificate the webhook issues itself.")
    Duration certificateValidity;

    @Option(names = "--certificate-renew-before", paramLabel = "DURATION", defaultValue = "120d",
            converter = DurationConverter.class,
            description = "Renew the serving certificate when less than this is left.")
    Duration certificateRenewBefore;

    @Option(names = "--certificate-check-interval", paramLabel = "DURATION", defaultValue = "10m",
            converter = DurationConverter.class,
            description = "How often the certificate (Secret or files) is checked, renewed and reloaded.")
    Duration certificateCheckInterval;

    @Option(names = "--ip-family", paramLabel = "FAMILY", defaultValue = "ipv4",
            description = "ipv4: inject http://169.254.170.23/v1/credentials; ipv6 (IPv6-only clusters): "
                    + "http://[fd00:ec2::23]/v1/credentials.")
    InjectionNames.IpFamily ipFamily;

    @Option(names = "--audience", paramLabel = "AUDIENCE", defaultValue = InjectionNames.DEFAULT_AUDIENCE,
            description = "Audience of the injected projected token; must equal the agent's --audience.")
    String audience;

    @Option(names = "--token-expiration", paramLabel = "DURATION", defaultValue = "24h",
            converter = DurationConverter.class,
            description = "expirationSeconds of the injected token (at least 10m; the kubelet rotates it at 80%%).")
    Duration tokenExpiration;

    @Option(names = "--role-source", paramLabel = "SOURCE", defaultValue = "annotation",
            description = "Which pods get the injection; set it as the agent's --role-source. annotation: the "
                    + "service account carries --role-annotation. association: a PodIdentityAssociation matches "
                    + "(the annotation is ignored). both: either.")
    String roleSource;

    @Option(names = "--role-annotation", paramLabel = "KEY", defaultValue = "eks.amazonaws.com/role-arn",
            description = "Service-account annotation that maps its pods to a role.")
    String roleAnnotation;

    @Option(names = "--role-cache-ttl", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long a service account's annotation is remembered.")
    Duration roleCacheTtl;

    @Option(names = "--max-request-bytes", paramLabel = "BYTES", defaultValue = "4194304",
            description = "Largest AdmissionReview accepted; larger ones get 413.")
    int maxRequestBytes;

    @Option(names = "--write-association-status", paramLabel = "BOOLEAN", defaultValue = "true", arity = "1",
            description = "With --role-source association or both: the replica holding the Lease "
                    + STATUS_LEASE + " writes the Ready condition of every PodIdentityAssociation.")
    boolean writeAssociationStatus;

    @Option(names = "--allowed-role-pattern", split = ",", paramLabel = "GLOB", defaultValue = "",
            description = "Set it as the agent's --allowed-role-pattern: associations whose roles it refuses are "
                    + "reported Ready=False (RoleNotAllowed). The webhook injects regardless; the agent denies.")
    List<String> allowedRolePatterns = new ArrayList<>();

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "json",
            description = "json (one object per line) or text.")
    String logFormat;

    WebhookConfig toConfig() {
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new IllegalArgumentException("--tls-cert-file and --tls-key-file go together");
        }
        Optional<WebhookConfig.TlsFiles> files = tlsCertFile == null ? Optional.empty()
                : Optional.of(new WebhookConfig.TlsFiles(tlsCertFile, tlsKeyFile));
        return new WebhookConfig(listen(), namespace, serviceName, webhookConfiguration, tlsSecret, files,
                certificateValidity, certificateRenewBefore, certificateCheckInterval,
                Injection.of(ipFamily, audience, tokenExpiration), RoleSource.of(roleSource), roleAnnotation,
                roleCacheTtl, maxRequestBytes, logFormat, writeAssociationStatus,
                new RoleArnAllowList(allowedRolePatterns.stream().map(String::strip).filter(p -> !p.isEmpty())
                        .toList()));
    }

    private InetSocketAddress listen() {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 1..65535, was " + port);
        }
        if (bindAddress == null || bindAddress.isBlank()) {
            // the JVM's wildcard: both families where the node has IPv6, IPv4 alone where it has not
            return new InetSocketAddress(port);
        }
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(bindAddress.strip()), port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--bind-address must be an IP address literal, was '" + bindAddress + "'");
        }
    }

    @Override
    public Integer call() throws Exception {
        WebhookConfig config = toConfig();
        try (KubernetesClient kubernetes = KubernetesClients.build(KINDS);
             var scheduler = Executors.newSingleThreadScheduledExecutor(
                     Thread.ofPlatform().name("iamlet-webhook-certificates").daemon().factory());
             var closeables = new Closeables()) {
            ServingContext serving = new ServingContext();
            CertificateRotation rotation = rotation(config, kubernetes, serving);
            rotation.refresh();
            rotation.schedule(scheduler, config.certificateCheckInterval());

            RoleLookup roles = roles(config, kubernetes, closeables);
            statusWriter(config, kubernetes, closeables);
            var admission = new AdmissionReviews(kubernetes.getKubernetesSerialization(), roles, config.injection());
            CountDownLatch stop = new CountDownLatch(1);
            try (WebhookServer server = WebhookServer.start(config.listen(), serving, admission,
                    config.maxRequestBytes(), READ_TIMEOUT)) {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(stop::countDown));
                LOG.info("webhook serving on {} ({} certificate), injecting {}", server.address(),
                        config.tlsFiles().isPresent() ? "file" : "self-managed", config.injection().credentialsUri());
                stop.await();
                LOG.info("webhook stopping");
            }
        }
        return 0;
    }

    /**
     * The role lookup of {@code --role-source}. With associations, the informer's first list is awaited before the
     * webhook serves: answering "no role" for "not read yet" would admit pods without their injection.
     */
    private static RoleLookup roles(WebhookConfig config, KubernetesClient kubernetes, Closeables closeables)
            throws Exception {
        RoleLookup annotation = new AnnotationRoleLookup(kubernetes, config.roleAnnotation(), config.roleCacheTtl(),
                Ticker.systemTicker());
        if (!config.roleSource().usesAssociations()) {
            return annotation;
        }
        var store = closeables.add(new AssociationStore(kubernetes, ASSOCIATION_WAIT, new SimpleMeterRegistry()));
        try {
            store.start().get(ASSOCIATION_SYNC.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not list PodIdentityAssociations (is the CRD installed, and may "
                    + "the webhook list podidentityassociations.iamlet.io?): " + e, e);
        }
        LOG.info("PodIdentityAssociations listed; role source {}", config.roleSource());
        RoleLookup associations = new AssociationRoleLookup(store, ASSOCIATION_WAIT, new SimpleMeterRegistry());
        // associations first: they are in memory, the annotation costs a GET
        return config.roleSource() == RoleSource.ASSOCIATION ? associations
                : RoleLookup.either(associations, annotation);
    }

    /**
     * The one writer of association status: only with a role source that reads associations (an annotation-only
     * install may not have the CRD), and only on the replica that holds the Lease.
     */
    private static void statusWriter(WebhookConfig config, KubernetesClient kubernetes, Closeables closeables) {
        if (!config.roleSource().usesAssociations() || !config.writeAssociationStatus()) {
            return;
        }
        var writer = closeables.add(new AssociationStatusWriter(kubernetes, config.allowedRoles(), Clock.systemUTC()));
        closeables.add(StatusLeadership.start(kubernetes, config.namespace(), STATUS_LEASE, replicaIdentity(),
                StatusLeadership.Timing.DEFAULT, writer::startWriting, writer::stopWriting));
    }

    /** The pod's name (its hostname) made unique, so that a restarted replica does not pass for the old holder. */
    private static String replicaIdentity() {
        String host = System.getenv().getOrDefault("HOSTNAME", "iamlet-webhook");
        return host + "_" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    /** Closes what it was given, last first. */
    private static final class Closeables implements AutoCloseable {
        private final java.util.ArrayDeque<AutoCloseable> items = new java.util.ArrayDeque<>();

        <T extends AutoCloseable> T add(T item) {
            items.push(item);
            return item;
        }

        @Override
        public void close() throws Exception {
            while (!items.isEmpty()) {
                items.pop().close();
            }
        }
    }

    private static CertificateRotation rotation(WebhookConfig config, KubernetesClient kubernetes,
                                                ServingContext serving) {
        if (config.tlsFiles().isPresent()) {
            var files = config.tlsFiles().get();
            return new CertificateRotation(new FileCertificates(files.certificate(), files.key()), Optional.empty(),
                    serving);
        }
        CertificateSource source = new SelfManagedCertificates(kubernetes, new SelfManagedCertificates.Settings(
                config.namespace(), config.tlsSecret(),
                SelfManagedCertificates.Settings.serviceNames(config.serviceName(), config.namespace()), List.of(),
                config.certificateValidity(), WebhookConfig.CA_VALIDITY, config.certificateRenewBefore()),
                Clock.systemUTC());
        return new CertificateRotation(source,
                Optional.of(new CaBundlePublisher(kubernetes, config.webhookConfiguration())), serving);
    }
}
