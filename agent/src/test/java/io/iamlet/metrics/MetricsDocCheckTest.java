package io.iamlet.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.PodEventRecorder;
import io.iamlet.health.Readiness;
import io.iamlet.identity.JwksTokenVerifier;
import io.iamlet.pods.InformerPodIndex;
import io.iamlet.pods.PodSelector;
import io.iamlet.server.HttpServer;
import io.iamlet.server.ListenAddress;
import io.iamlet.server.Routes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** docs/metrics.md against real registries. */
class MetricsDocCheckTest {

    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private final Path page = MetricsDocCheck.page();

    @Test
    void readsNamesFromTheFirstColumnOfThePagesTables() {
        assertThat(MetricsDocCheck.documented(page))
                .contains("iamlet_requests_total", "iamlet_request_seconds", "iamlet_credential_decisions_total",
                        "jvm_memory_used_bytes", "jvm_memory_max_bytes", "process_files_open_files")
                .allMatch(name -> name.matches("[a-z][a-z0-9_]*"));
    }

    @Test
    void reportsUndocumentedAndMissingNames() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        Counter.builder("iamlet.requests").tag("endpoint", "container").register(registry).increment();
        Counter.builder("iamlet.surprise").register(registry).increment();

        MetricsDocCheck.Result result = MetricsDocCheck.check(page, registry);

        assertThat(result.presentButUndocumented()).containsExactly("iamlet_surprise_total");
        assertThat(result.documentedButMissing()).contains("iamlet_request_seconds")
                .doesNotContain("iamlet_requests_total");
        assertThat(result.clean()).isFalse();
    }

    @Test
    void readsTheSameNamesFromBothFormats() {
        try (Metrics metrics = Metrics.create()) {
            registerEverythingConstructible(metrics.registry());
            String prometheus = metrics.registry().scrape();
            String openMetrics = metrics.registry().scrape(OPENMETRICS);

            assertThat(MetricsDocCheck.exported(openMetrics)).isEqualTo(MetricsDocCheck.exported(prometheus));
        }
    }

    /**
     * Every meter the merged components register when built, and the JVM/process meters, is on the page. Counters
     * with labels appear only after traffic: the end-to-end test checks those with a live agent.
     */
    @Test
    void everyMeterOfTheBuiltComponentsIsDocumented() {
        try (Metrics metrics = Metrics.create()) {
            registerEverythingConstructible(metrics.registry());
            String scrape = metrics.registry().scrape();

            for (String prefix : new String[] {"iamlet_", "jvm_", "process_", "system_"}) {
                assertThat(MetricsDocCheck.check(page, scrape, prefix).presentButUndocumented())
                        .as("meters starting with %s exported but not in docs/metrics.md", prefix)
                        .isEmpty();
            }
            assertThat(MetricsDocCheck.exported(scrape)).contains("iamlet_server_connections",
                    "iamlet_pods_indexed", "iamlet_jwks_keys", "iamlet_ready", "iamlet_events_emitted_total",
                    "iamlet_credential_decisions_total");
        }
    }

    private static void registerEverythingConstructible(PrometheusMeterRegistry registry) {
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:1/").build()).build();
        try {
            InformerPodIndex pods = new InformerPodIndex(client, PodSelector.node("node-a"), Duration.ofSeconds(2),
                    Scheduler.disabledScheduler(), registry);
            JwksTokenVerifier verifier = new JwksTokenVerifier(CompletableFuture::new,
                    JwksTokenVerifier.Settings.defaults(), Runnable::run, Clock.systemUTC(), Ticker.systemTicker(),
                    registry);
            HttpServer.builder("metrics", Routes.builder().get("/metrics", "metrics",
                            new MetricsHandler(registry, Runnable::run)).build(), registry)
                    .listen(ListenAddress.parse("127.0.0.1:0")).build(); // registers its gauges; never started
            Readiness.builder().check("pod-informer", pods::synced).check("jwks", verifier::ready).build(registry);
            new PodEventRecorder(client, pods, "node-a", Duration.ofMinutes(5), Runnable::run, Ticker.systemTicker(),
                    Clock.systemUTC(), registry);
            new CredentialDecisionMetrics(registry).accept(AuditEvent.from("container", "10.0.0.7")
                    .denied(403, "pod_mismatch"));
        } finally {
            client.close();
        }
    }
}
