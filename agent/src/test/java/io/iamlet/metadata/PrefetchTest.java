package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.Identity;
import io.iamlet.pods.PodInfo;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import io.iamlet.testing.ManualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Prefetch decisions, with the request path's own rules, against a credential provider that records calls. */
class PrefetchTest {

    private static final String BASE = "arn:aws:iam::123456789012:role/";

    private final FakePods pods = new FakePods();
    private final FakeCredentialProvider credentials = new FakeCredentialProvider();
    private final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MetadataSettings settings = MetadataSettings.builder().baseRoleArn(BASE).build();
    private final RoleDecider decider = new RoleDecider(pods, new RoleChoice(settings),
            ns -> CompletableFuture.completedFuture(NamespacePolicy.fromAnnotations(
                    Map.of(NamespacePolicy.ALLOWED_ROLES, "[\"app-*\"]"))), settings);
    private final MetadataMetrics metrics = new MetadataMetrics(registry);
    private final IamRoutes routes;

    PrefetchTest() {
        AuditLog audit = new AuditLog("node-a");
        audit.addListener(audited::add);
        routes = new IamRoutes(decider, credentials, audit, metrics, Instant.now());
        pods.addListener(new Prefetcher(decider, credentials, metrics));
    }

    @Test
    void aPodAllowedItsRoleIsPrefetchedAndItsFirstRequestIsACacheHit() {
        PodInfo pod = pods.add(FakePods.pod("team-a", "web", "10.0.0.7", Map.of("iam.amazonaws.com/role", "app-web")));

        assertThat(credentials.prefetches).containsExactly(
                new Identity(BASE + "app-web", "team-a", "app-sa", "web", pod.uid(), null));
        assertThat(credentials.fetches).hasValue(1);

        Response reply = routes.credentials(get("/latest/meta-data/iam/security-credentials/app-web", "10.0.0.7"))
                .join();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(credentials.fetches).as("no fetch on the request path").hasValue(1);
        assertThat(credentials.gets).containsExactlyElementsOf(credentials.prefetches);
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.granted()).isTrue();
            assertThat(e.cacheHit()).isTrue();
        });
        assertThat(registry.find("iamlet.metadata.credentials.served").tag("cache", "hit").counter().count())
                .isEqualTo(1);
    }

    @Test
    void podsWithoutARoleOrDeniedOneAreNotPrefetched() {
        pods.add(FakePods.pod("team-a", "plain", "10.0.0.8", Map.of()));
        pods.add(FakePods.pod("team-a", "rogue", "10.0.0.9", Map.of("iam.amazonaws.com/role", "admin")));
        pods.add(FakePods.pod("team-a", "broken", "10.0.0.10", Map.of("iam.amazonaws.com/role", "../app-x")));

        assertThat(credentials.prefetches).isEmpty();
        assertThat(registry.find("iamlet.metadata.prefetches").tag("outcome", "no_role").counter().count())
                .isEqualTo(1);
        assertThat(registry.find("iamlet.metadata.prefetches").tag("outcome", "denied").counter().count())
                .isEqualTo(2);
        assertThat(audited).as("prefetch decisions are not audited").isEmpty();
    }

    @Test
    void podsFoundTogetherAtInformerSyncArePrefetchedTenASecondNotAllAtOnce() {
        ManualTime time = new ManualTime();
        FakePods node = new FakePods();
        FakeCredentialProvider paced = new FakeCredentialProvider();
        node.addListener(new Prefetcher(new RoleDecider(node, new RoleChoice(settings),
                ns -> CompletableFuture.completedFuture(NamespacePolicy.fromAnnotations(
                        Map.of(NamespacePolicy.ALLOWED_ROLES, "[\"app-*\"]"))), settings),
                paced, metrics, time, time));

        for (int i = 0; i < 30; i++) {
            node.add(FakePods.pod("team-a", "web-" + i, "10.0.1." + i, Map.of("iam.amazonaws.com/role", "app-web")));
        }
        assertThat(paced.prefetches).as("the first at once").hasSize(1);

        time.advance(Duration.ofMillis(950));
        assertThat(paced.prefetches).hasSize(10);
        time.advance(Duration.ofSeconds(2));
        assertThat(paced.prefetches).hasSize(30);

        time.advance(Duration.ofSeconds(10));
        node.add(FakePods.pod("team-a", "late", "10.0.2.1", Map.of("iam.amazonaws.com/role", "app-web")));
        assertThat(paced.prefetches).as("a pod that comes alone starts at once").hasSize(31);
    }

    private static Request get(String path, String ip) {
        return new Request("GET", path, "", Map.of(), ip, new byte[0]);
    }
}
