package io.iamlet.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares docs/metrics.md with what a live registry exports, for an end-to-end test that has driven traffic
 * through a fully wired agent (counters with labels exist only once incremented):
 *
 * <pre>{@code
 * MetricsDocCheck.Result r = MetricsDocCheck.check(MetricsDocCheck.page(), registry);
 * assertThat(r.presentButUndocumented()).isEmpty();
 * assertThat(r.documentedButMissing()).isEmpty();   // or: only names the test's traffic cannot reach
 * }</pre>
 *
 * <p>Names are compared in Prometheus form, as the page's tables write them in their first column: counters with
 * {@code _total}, timers and distribution summaries by their base name ({@code iamlet_request_seconds}); the
 * {@code _max} gauge Micrometer adds beside a timer or summary counts as documented with it.
 */
public final class MetricsDocCheck {

    /** The first cell of a table row: {@code | `name` |} or {@code | `a`, `b` |}. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*(`[^|]+)\\|");
    private static final Pattern NAME = Pattern.compile("`([a-zA-Z_:][a-zA-Z0-9_:]*)`");
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");

    private MetricsDocCheck() {
    }

    /** What differs, each set sorted. */
    public record Result(Set<String> documentedButMissing, Set<String> presentButUndocumented) {
        public boolean clean() {
            return documentedButMissing.isEmpty() && presentButUndocumented.isEmpty();
        }
    }

    /** docs/metrics.md of this repository, found from the working directory (the module or the root). */
    public static Path page() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("docs/metrics.md");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no docs/metrics.md above " + Path.of("").toAbsolutePath());
    }

    /** Compares the page's {@code iamlet_*} names with the registry's. */
    public static Result check(Path page, PrometheusMeterRegistry registry) {
        return check(page, registry.scrape(), "iamlet_");
    }

    /** Compares the page's names starting with {@code prefix} with those of a Prometheus or OpenMetrics text. */
    public static Result check(Path page, String exposition, String prefix) {
        Set<String> documented = filter(documented(page), prefix);
        Set<String> exported = filter(exported(exposition), prefix);
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(exported);
        Set<String> undocumented = new TreeSet<>(exported);
        undocumented.removeAll(documented);
        return new Result(missing, undocumented);
    }

    /** Every metric name in the first column of the page's tables. */
    public static Set<String> documented(Path page) {
        Set<String> names = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(page)) {
                Matcher row = ROW.matcher(line);
                if (row.find()) {
                    Matcher name = NAME.matcher(row.group(1));
                    while (name.find()) {
                        names.add(name.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** The metric families of an exposition, with {@code _total} on counters and {@code _max} folded away. */
    public static Set<String> exported(String exposition) {
        Map<String, String> types = new HashMap<>();
        for (String line : exposition.split("\n")) {
            Matcher m = TYPE.matcher(line.strip());
            if (m.matches()) {
                String name = m.group(1);
                String type = m.group(2);
                // OpenMetrics names counter and info families without the suffix their samples carry.
                if (type.equals("counter") && !name.endsWith("_total")) {
                    name = name + "_total";
                } else if (type.equals("info") && !name.endsWith("_info")) {
                    name = name + "_info";
                }
                types.put(name, type);
            }
        }
        Set<String> names = new TreeSet<>();
        for (String name : types.keySet()) {
            if (name.endsWith("_max")) {
                String base = name.substring(0, name.length() - "_max".length());
                String baseType = types.get(base);
                if ("histogram".equals(baseType) || "summary".equals(baseType)) {
                    continue;
                }
            }
            names.add(name);
        }
        return names;
    }

    private static Set<String> filter(Set<String> names, String prefix) {
        Set<String> out = new TreeSet<>();
        for (String n : names) {
            if (n.startsWith(prefix)) {
                out.add(n);
            }
        }
        return out;
    }
}
