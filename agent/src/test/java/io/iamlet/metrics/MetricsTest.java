package io.iamlet.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The registry iamlet exports: JVM and process meters bound, tag caps, and the buckets alerts rely on. */
class MetricsTest {

    @Test
    void exportsJvmAndProcessMeters() {
        try (Metrics metrics = Metrics.create()) {
            String scrape = metrics.registry().scrape();

            assertThat(scrape).contains(
                    "# TYPE jvm_memory_used_bytes gauge",
                    "# TYPE jvm_gc_memory_allocated_bytes_total counter",
                    "# TYPE jvm_gc_overhead gauge",
                    "# TYPE jvm_threads_live_threads gauge",
                    "# TYPE jvm_classes_loaded_classes gauge",
                    "# TYPE jvm_info gauge",
                    "# TYPE process_uptime_seconds gauge",
                    "# TYPE process_cpu_usage gauge",
                    "# TYPE system_cpu_count gauge",
                    "# TYPE process_files_open_files gauge");
        }
    }

    @Test
    void stopsCreatingSeriesForAReasonTagThatTakesTooManyValues() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        for (int i = 0; i < Metrics.MAX_TAG_VALUES + 50; i++) {
            Counter.builder("iamlet.things").tag("reason", "r" + i).register(registry).increment();
        }

        assertThat(registry.find("iamlet.things").counters()).hasSize(Metrics.MAX_TAG_VALUES);
    }

    @Test
    void doesNotCapTagsOfOtherMeters() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        for (int i = 0; i < Metrics.MAX_TAG_VALUES + 50; i++) {
            Counter.builder("iamlet.things").tag("state", "s" + i).register(registry).increment();
        }

        assertThat(registry.find("iamlet.things").counters()).hasSize(Metrics.MAX_TAG_VALUES + 50);
    }

    @Test
    void stsLatencyIsAHistogram() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        Timer.builder("iamlet.sts.request").tag("source", "web-identity").register(registry)
                .record(Duration.ofMillis(120));

        String scrape = registry.scrape();

        assertThat(scrape).contains("# TYPE iamlet_sts_request_seconds histogram")
                .contains("iamlet_sts_request_seconds_bucket{source=\"web-identity\",le=\"0.1")
                .contains("iamlet_sts_request_seconds_count{source=\"web-identity\"} 1");
    }

    @Test
    void remainingLifetimeHasBucketsAtTheSdkRefreshThresholds() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        DistributionSummary remaining = DistributionSummary.builder("iamlet.credentials.remaining")
                .baseUnit("seconds").tag("source", "web-identity").register(registry);
        remaining.record(Duration.ofMinutes(20).toSeconds());
        remaining.record(Duration.ofMinutes(50).toSeconds());

        String scrape = registry.scrape();

        assertThat(scrape)
                .contains("iamlet_credentials_remaining_seconds_bucket{source=\"web-identity\",le=\"900.0\"} 0")
                .contains("iamlet_credentials_remaining_seconds_bucket{source=\"web-identity\",le=\"1800.0\"} 1")
                .contains("iamlet_credentials_remaining_seconds_bucket{source=\"web-identity\",le=\"3600.0\"} 2");
    }

    @Test
    void aComponentsOwnHistogramSettingWins() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        Timer.builder("iamlet.sts.request").publishPercentileHistogram(false).register(registry)
                .record(Duration.ofMillis(120));

        assertThat(registry.scrape()).doesNotContain("iamlet_sts_request_seconds_bucket");
    }
}
