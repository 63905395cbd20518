package io.iamlet.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one meter registry (Prometheus), with the JVM and process meters bound, and the {@code /metrics}
 * handler that exposes it.
 *
 * <p>Settings applied to every meter, before any component registers one:
 * <ul>
 *   <li>No global histograms: a component that wants latency buckets asks for them on its own meter
 *       (the server's request timer does); {@link Distributions} adds buckets to two meters of other packages
 *       where the alert needs them.</li>
 *   <li>A cap on the distinct values of the free-text-looking tags ({@code reason}, {@code error_code},
 *       {@code endpoint}) of {@code iamlet.*} meters: should a bug ever put request data into one, the registry
 *       stops creating series at {@value #MAX_TAG_VALUES} values instead of growing without bound.</li>
 * </ul>
 *
 * <p>Lifecycle: {@link #create()} once at start; {@link #close()} at the very end of shutdown (after the metrics
 * listener stopped) releases the GC listeners and the scrape thread.
 */
public final class Metrics implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);

    /** Most values a capped tag may take per meter name before new series are dropped. */
    static final int MAX_TAG_VALUES = 100;
    private static final List<String> CAPPED_TAGS = List.of("reason", "error_code", "endpoint");

    private final PrometheusMeterRegistry registry;
    private final List<AutoCloseable> closeables;
    private final ExecutorService scrapeThread;

    private Metrics(PrometheusMeterRegistry registry, List<AutoCloseable> closeables) {
        this.registry = registry;
        this.closeables = closeables;
        this.scrapeThread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("iamlet-metrics")
                .daemon(true).factory());
    }

    /** A Prometheus registry with iamlet's settings and the JVM and process meters bound. */
    public static Metrics create() {
        PrometheusMeterRegistry registry = newRegistry();
        List<AutoCloseable> closeables = new ArrayList<>();
        for (MeterBinder binder : jvmAndProcessBinders()) {
            binder.bindTo(registry);
            if (binder instanceof AutoCloseable c) {
                closeables.add(c);
            }
        }
        return new Metrics(registry, closeables);
    }

    /** A registry with iamlet's settings and nothing bound yet (tests, and {@link #create()}). */
    static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        for (String tag : CAPPED_TAGS) {
            registry.config().meterFilter(MeterFilter.maximumAllowableTags("iamlet.", tag, MAX_TAG_VALUES,
                    MeterFilter.deny()));
        }
        registry.config().meterFilter(new Distributions());
        return registry;
    }

    /**
     * JVM memory, GC, heap pressure, threads, class loading, JVM version, process uptime and CPU, file descriptors.
     */
    static List<MeterBinder> jvmAndProcessBinders() {
        return List.of(new JvmMemoryMetrics(), new JvmGcMetrics(), new JvmHeapPressureMetrics(),
                new JvmThreadMetrics(), new ClassLoaderMetrics(), new JvmInfoMetrics(), new UptimeMetrics(),
                new ProcessorMetrics(), new FileDescriptorMetrics());
    }

    /** Where every component registers its meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * The {@code GET /metrics} handler, scraping on this object's own thread. Serve it on the metrics listener
     * only ({@code --metrics-listen}), never on a listener pods reach.
     */
    public MetricsHandler handler() {
        return new MetricsHandler(registry, scrapeThread);
    }

    @Override
    public void close() {
        scrapeThread.shutdownNow();
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing a meter binder failed", e);
            }
        }
        registry.close();
    }
}
