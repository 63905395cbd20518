package io.iamlet.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.iamlet.charts.MonitoringObjects.PrometheusRule;
import io.iamlet.charts.MonitoringObjects.Rule;
import io.iamlet.charts.MonitoringObjects.RuleSpec;
import io.iamlet.charts.MonitoringObjects.ServiceMonitor;
import io.iamlet.deploy.Install;
import io.iamlet.deploy.PodMonitor;
import io.iamlet.deploy.Repo;
import io.iamlet.deploy.StrictManifests;
import io.iamlet.metrics.MetricsDocCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard and the alerts read only metrics iamlet exports (docs/metrics.md, which MetricsDocCheck keeps
 * equal to a live scrape), cover what docs/metrics.md says to watch and alert on, and are the same whether they
 * come from the chart or from daemonset/monitoring.
 */
class MonitoringTest {
    private static final Path ALERTS = Chart.DIRECTORY.resolve("files/alerts.yaml");
    private static final Path DASHBOARD = Chart.DIRECTORY.resolve("files/iamlet-dashboard.json");
    private static final Pattern IAMLET_METRIC = Pattern.compile("iamlet_[a-z0-9_]+");

    @Test
    void metricNamesAreReadOutOfExpressionsAndUnknownOnesAreCaught() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, source) "
                + "(rate(iamlet_sts_request_seconds_bucket{instance=~\"$instance\",x=\"a{b}\"}[$__rate_interval])))"
                + " > 2 and on (instance) iamlet_ready offset 5m unless bogus_total"))
                .containsExactly("bogus_total", "iamlet_ready", "iamlet_sts_request_seconds_bucket");
        assertThat(PromQl.metricNames("label_values(iamlet_ready, instance)")).containsExactly("iamlet_ready");
        assertThat(PromQl.notExported(Set.of("iamlet_request_seconds_bucket", "iamlet_ready", "up",
                "iamlet_requests", "iamlet_sts_request_seconds_total", "iamlet_nothing_total")))
                .containsExactly("iamlet_nothing_total", "iamlet_requests", "iamlet_sts_request_seconds_total");
    }

    @Test
    void alertsReadOnlyExportedMetricsAndCoverEveryAlertOfTheMetricsPage() throws IOException {
        List<Rule> rules = alerts().groups().stream().flatMap(g -> g.rules().stream()).toList();
        Set<String> read = new TreeSet<>();
        rules.forEach(rule -> read.addAll(PromQl.metricNames(rule.expr())));

        assertThat(rules).allSatisfy(rule -> {
            assertThat(rule.alert()).matches("Iamlet[A-Za-z]+");
            assertThat(rule.labels()).containsKey("severity");
            assertThat(rule.annotations()).containsKeys("summary", "description");
            assertThat(PromQl.metricNames(rule.expr())).as(rule.alert()).isNotEmpty();
        });
        assertThat(rules).extracting(Rule::alert).doesNotHaveDuplicates();
        assertThat(PromQl.notExported(read)).isEmpty();
        assertThat(read).containsAll(metricsOfThePagesAlertTable());
    }

    @Test
    void dashboardReadsOnlyExportedMetricsAndShowsWhatOperatorsWatch() throws IOException {
        JsonNode dashboard = StrictManifests.MAPPER.readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(t -> queries.add(t.path("expr")
                .asString())));
        dashboard.path("templating").path("list").forEach(v -> {
            if (v.path("query").has("query")) {
                queries.add(v.path("query").path("query").asString());
            }
        });
        Set<String> read = new TreeSet<>();
        queries.forEach(q -> read.addAll(PromQl.metricNames(q)));

        assertThat(queries).hasSizeGreaterThan(20).allSatisfy(q -> assertThat(PromQl.metricNames(q)).isNotEmpty());
        assertThat(PromQl.notExported(read)).isEmpty();
        assertThat(read).contains("iamlet_requests_total", "iamlet_request_seconds_bucket", "iamlet_sts_requests_total",
                "iamlet_sts_request_seconds_bucket", "iamlet_cache_hits_total", "iamlet_cache_renewals_total",
                "iamlet_credentials_remaining_seconds_bucket", "iamlet_pods_indexed",
                "iamlet_credential_decisions_total", "iamlet_informer_connected", "iamlet_informer_synced");
        assertThat(dashboard.path("uid").asString()).isEqualTo("iamlet");
    }

    @Test
    void kustomizeFilesAreTheChartsOwn() throws IOException {
        PrometheusRule plain = StrictManifests.MAPPER.readValue(
                Repo.path("daemonset/monitoring/prometheusrule.yaml").toFile(), PrometheusRule.class);

        assertThat(plain.spec()).isEqualTo(alerts());
        assertThat(plain.metadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
        assertThat(Repo.path("daemonset/monitoring/iamlet-dashboard.json")).hasSameTextualContentAs(DASHBOARD);
    }

    @Test
    void chartShipsTheRulesAndTheDashboardAndScrapesTheMetricsPort() throws IOException {
        Install install = ChartManifests.parse(Chart.render(RenderCase.TABLE.stream()
                .filter(row -> row.name().startsWith("monitoring")).findFirst().orElseThrow().values()));

        PrometheusRule rule = install.one(PrometheusRule.class);
        assertThat(rule.spec()).isEqualTo(alerts());
        assertThat(rule.metadata().getLabels()).containsEntry("release", "prom");
        ConfigMap dashboard = install.one(ConfigMap.class);
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("monitoring");
        assertThat(StrictManifests.MAPPER.readTree(dashboard.getData().get("iamlet.json")))
                .isEqualTo(StrictManifests.MAPPER.readTree(Files.readString(DASHBOARD)));
        assertThat(install.one(PodMonitor.class).spec().podMetricsEndpoints()).singleElement()
                .satisfies(e -> assertThat(e.port()).isEqualTo("metrics"));
        ServiceMonitor serviceMonitor = install.one(ServiceMonitor.class);
        assertThat(serviceMonitor.spec().endpoints()).singleElement()
                .satisfies(e -> assertThat(e.port()).isEqualTo("metrics"));
        var service = install.all(io.fabric8.kubernetes.api.model.Service.class).stream()
                .filter(s -> s.getMetadata().getName().equals("iamlet-metrics")).findFirst().orElseThrow();
        assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(service.getSpec().getSelector())
                .isEqualTo(serviceMonitor.spec().selector().getMatchLabels())
                .isEqualTo(install.daemonSet().getSpec().getSelector().getMatchLabels());
    }

    private static RuleSpec alerts() throws IOException {
        return StrictManifests.MAPPER.readValue(ALERTS.toFile(), RuleSpec.class);
    }

    /** The iamlet_* metrics the expressions column of docs/metrics.md's "What to alert on" table reads. */
    private static Set<String> metricsOfThePagesAlertTable() throws IOException {
        List<String> lines = Files.readAllLines(MetricsDocCheck.page());
        int start = lines.indexOf("## What to alert on");
        assertThat(start).isPositive();
        Set<String> names = new TreeSet<>();
        for (String line : lines.subList(start, lines.size())) {
            String[] cells = line.split("(?<!\\\\)\\|");
            if (line.startsWith("| ") && cells.length > 2) {
                Matcher m = IAMLET_METRIC.matcher(cells[2]);
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        assertThat(names).hasSizeGreaterThan(15);
        return names;
    }
}
