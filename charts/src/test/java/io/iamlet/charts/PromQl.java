package io.iamlet.charts;

import io.iamlet.metrics.MetricsDocCheck;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found without a full parser: strings, label matchers, range and
 * subquery brackets and the label lists of by/without/on/ignoring/group_* are removed first, then every remaining
 * identifier that is not a function call, a keyword or part of a number or duration is a metric name.
 */
final class PromQl {
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LISTS = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan", "Inf", "NaN");
    /** A Grafana template query: label_values(metric, label). */
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
    /** Series Micrometer derives from a documented histogram, summary or timer. */
    private static final List<String> DERIVED = List.of("_bucket", "_count", "_sum", "_max");
    /** Prometheus' own series for every target. */
    private static final Set<String> SCRAPE_SERIES = Set.of("up");

    private PromQl() {}

    static Set<String> metricNames(String expression) {
        Matcher templateQuery = LABEL_VALUES.matcher(expression.strip());
        if (templateQuery.find()) {
            return Set.of(templateQuery.group(1));
        }
        String stripped = STRINGS.matcher(expression).replaceAll(" ");
        stripped = MATCHERS.matcher(stripped).replaceAll(" ");
        stripped = RANGES.matcher(stripped).replaceAll(" ");
        stripped = LABEL_LISTS.matcher(stripped).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(stripped);
        while (m.find()) {
            if (m.group(2) == null && !KEYWORDS.contains(m.group(1))) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** Names among these that docs/metrics.md does not list (the page a test keeps equal to a live scrape). */
    static Set<String> notExported(Set<String> names) {
        Set<String> documented = MetricsDocCheck.documented(MetricsDocCheck.page());
        Set<String> unknown = new TreeSet<>();
        for (String name : names) {
            boolean known = documented.contains(name) || SCRAPE_SERIES.contains(name)
                    || DERIVED.stream().anyMatch(suffix -> name.endsWith(suffix)
                            && documented.contains(name.substring(0, name.length() - suffix.length())));
            if (!known) {
                unknown.add(name);
            }
        }
        return unknown;
    }
}
