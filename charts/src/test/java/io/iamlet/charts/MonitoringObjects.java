package io.iamlet.charts;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * Strict models of the Prometheus Operator objects the chart adds beside the PodMonitor (io.iamlet.deploy): only
 * the fields the chart may use, so a typo or a new field fails parsing and must be added here deliberately.
 */
final class MonitoringObjects {
    private MonitoringObjects() {}

    record ServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, ServiceMonitorSpec spec) {}

    record ServiceMonitorSpec(LabelSelector selector, List<Endpoint> endpoints, String jobLabel) {}

    record Endpoint(String port, String path, String scheme, String interval, String scrapeTimeout) {}

    record PrometheusRule(String apiVersion, String kind, ObjectMeta metadata, RuleSpec spec) {}

    /** Also the shape of charts/iamlet/files/alerts.yaml. */
    record RuleSpec(List<RuleGroup> groups) {}

    record RuleGroup(String name, String interval, List<Rule> rules) {}

    record Rule(String alert, String record, String expr, @JsonProperty("for") String forDuration, Map<String, String> labels,
                Map<String, String> annotations) {}
}
