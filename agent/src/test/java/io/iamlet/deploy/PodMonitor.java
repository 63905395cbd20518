package io.iamlet.deploy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

/**
 * The part of Prometheus Operator's PodMonitor (monitoring.coreos.com/v1) that iamlet's manifests may use.
 * fabric8's core model has no class for it; this one is strict like the rest: a field not listed here (a typo
 * such as {@code podMetricEndpoints}, or a new field) fails parsing, so it must be added here deliberately.
 */
public record PodMonitor(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

    public record Spec(LabelSelector selector, NamespaceSelector namespaceSelector, List<Endpoint> podMetricsEndpoints,
            String jobLabel) {}

    public record NamespaceSelector(Boolean any, List<String> matchNames) {}

    public record Endpoint(String port, String path, String scheme, String interval, String scrapeTimeout) {}
}
