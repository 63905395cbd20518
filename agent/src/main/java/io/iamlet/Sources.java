package io.iamlet;

import io.iamlet.config.AgentConfig;
import io.iamlet.config.CredentialSourceKind;
import io.iamlet.credentials.AssumeRoleSource;
import io.iamlet.credentials.CacheSettings;
import io.iamlet.credentials.CredentialCache;
import io.iamlet.credentials.CredentialSource;
import io.iamlet.credentials.CredentialSource.CacheKey;
import io.iamlet.credentials.MeteredSource;
import io.iamlet.credentials.StsClients;
import io.iamlet.credentials.WebIdentitySource;
import io.iamlet.credentials.sts.NodeKeys;
import io.iamlet.credentials.sts.StsClient;
import io.iamlet.credentials.sts.StsRequest;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.metadata.MetadataSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The STS clients and credential caches, each made once and only when needed: the container endpoint uses the
 * configured source; the metadata path always uses assume-role (kube2iam pods have no token of their own), and
 * shares the container endpoint's cache when that is assume-role too.
 *
 * <p>{@link #buildClients()} builds the STS clients ahead of the caches, so that start-up can build them while it
 * builds the Kubernetes client (see {@link ServeCommand}); the caches then use those clients.
 */
final class Sources implements AutoCloseable {

    private final AgentConfig config;
    private final String region;
    private final NodeKeys nodeCredentials;
    private final MeterRegistry registry;
    private final Clock clock;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private StsClient assumeRoleClient;
    private StsClient webIdentityClient;
    private CredentialCache assumeRoleCache;
    private CredentialCache webIdentityCache;

    Sources(AgentConfig config, String region, NodeKeys nodeCredentials, MeterRegistry registry,
            Clock clock) {
        this.config = config;
        this.region = region;
        this.nodeCredentials = nodeCredentials;
        this.registry = registry;
        this.clock = clock;
    }

    CredentialCache containerCache(Predicate<CacheKey> stillWanted) {
        if (config.credentialSource() == CredentialSourceKind.ASSUME_ROLE) {
            return assumeRoleCache(stillWanted);
        }
        if (webIdentityCache == null) {
            webIdentityCache = cache(new WebIdentitySource(webIdentityClient(), config.sessionDuration(), clock,
                    config.faults().stsFirstLoadTimeout()), stillWanted);
        }
        return webIdentityCache;
    }

    /** Builds now the STS clients that the configured endpoints will use. */
    void buildClients() {
        if (config.containerEnabled() && config.credentialSource() != CredentialSourceKind.ASSUME_ROLE) {
            webIdentityClient();
        }
        if (config.metadataEnabled()
                || config.containerEnabled() && config.credentialSource() == CredentialSourceKind.ASSUME_ROLE) {
            assumeRoleClient();
        }
    }

    CredentialCache metadataCache(Predicate<CacheKey> stillWanted) {
        return assumeRoleCache(stillWanted);
    }

    MetadataSettings metadataSettings() {
        AgentConfig.Metadata m = config.metadata();
        var builder = MetadataSettings.builder()
                .podRoleAnnotation(config.podRoleAnnotation())
                .baseRoleArn(m.baseRoleArn())
                .autoDiscoverBaseArn(m.autoDiscoverBaseArn())
                .defaultRole(m.defaultRole())
                .namespaceRestrictions(m.namespaceRestrictions())
                .imdsv2Required(m.imdsv2Required())
                .upstream(m.upstream())
                .upstreamTimeout(m.upstreamTimeout())
                .allowedRoles(new RoleArnAllowList(config.allowedRolePatterns()));
        if (!m.allowedPaths().isEmpty()) {
            builder.allowedPaths(m.allowedPaths());
        }
        return builder.build();
    }

    /**
     * When the node's own credentials are used: a probe that they work (STS GetCallerIdentity needs no IAM
     * permission). Polling it also keeps the client warm, so a pod's first request is not the JVM's first STS call.
     */
    Optional<Supplier<? extends CompletionStage<?>>> nodeCredentialsProbe() {
        if (assumeRoleClient == null) {
            return Optional.empty();
        }
        StsClient sts = assumeRoleClient;
        return Optional.of(() -> sts.call(StsRequest.of("GetCallerIdentity"), StsClient.Call.DEFAULT));
    }

    private CredentialCache assumeRoleCache(Predicate<CacheKey> stillWanted) {
        if (assumeRoleCache == null) {
            assumeRoleCache = cache(new AssumeRoleSource(assumeRoleClient(), config.clusterName(),
                    config.sessionDuration(), clock, config.faults().stsFirstLoadTimeout()), stillWanted);
        }
        return assumeRoleCache;
    }

    private StsClient webIdentityClient() {
        if (webIdentityClient == null) {
            webIdentityClient = StsClients.forWebIdentity(stsSettings());
            closeables.add(webIdentityClient);
        }
        return webIdentityClient;
    }

    private StsClient assumeRoleClient() {
        if (assumeRoleClient == null) {
            var settings = stsSettings();
            assumeRoleClient = nodeCredentials == null
                    ? StsClients.forAssumeRole(settings)
                    : StsClients.build(settings, nodeCredentials);
            closeables.add(assumeRoleClient);
        }
        return assumeRoleClient;
    }

    private CredentialCache cache(CredentialSource source, Predicate<CacheKey> stillWanted) {
        var faults = config.faults();
        var settings = CacheSettings.of(config.refreshFraction(), config.refreshMinRemaining(),
                config.cacheMaxIdentities()).withFailedLoads(faults.failedLoadUnavailable(), faults.failedLoadDenied());
        var cache = new CredentialCache(new MeteredSource(source, registry), settings, stillWanted, registry);
        closeables.add(cache);
        return cache;
    }

    private StsClients.Settings stsSettings() {
        var settings = StsClients.Settings.fromEnvironment(region);
        return config.stsEndpoint() == null ? settings : settings.withEndpointOverride(config.stsEndpoint());
    }

    /** Caches first (they stop renewing), then the clients. A second call does nothing. */
    @Override
    public void close() {
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // closing is best effort; the process is stopping
            }
        }
        closeables.clear();
    }
}
