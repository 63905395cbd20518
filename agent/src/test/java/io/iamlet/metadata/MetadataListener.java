package io.iamlet.metadata;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.pods.PodIndex;
import io.iamlet.server.HttpServer;
import io.iamlet.server.ListenAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The metadata listener as the composition root builds it (service, upstream client, HTTP server with the
 * {@code EC2ws} header) on an ephemeral loopback port, with the audit events and meters kept for assertions.
 */
final class MetadataListener implements AutoCloseable {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    final AuditLog audit = new AuditLog("node-a");
    final UpstreamMetadata upstream;
    /** As the agent wires it: the explicit base, a discovery (retrying on the system scheduler), or none. */
    final Supplier<String> baseRoleArn;
    final MetadataService service;
    final HttpServer server;
    final int port;

    MetadataListener(PodIndex pods, NamespacePolicies namespaces, CredentialProvider credentials,
                     MetadataSettings settings, Clock clock) {
        audit.addListener(audited::add);
        upstream = UpstreamMetadata.of(settings, clock, registry);
        baseRoleArn = BaseArnDiscovery.baseRoleArn(settings, upstream, Scheduler.systemScheduler());
        service = new MetadataService(pods, namespaces, credentials, settings, baseRoleArn, upstream, audit, clock,
                registry);
        server = HttpServer.builder("metadata", service.routes(), registry)
                .serverHeader(MetadataService.SERVER_HEADER)
                .listen(ListenAddress.parse("127.0.0.1:0"))
                .build();
        server.start();
        port = server.boundAddresses().getFirst().port();
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    double count(String meter, String... tags) {
        var counter = registry.find(meter).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        if (baseRoleArn instanceof BaseArnDiscovery discovery) {
            discovery.close();
        }
        server.stop(Duration.ofSeconds(2)).join();
        upstream.close();
    }
}
