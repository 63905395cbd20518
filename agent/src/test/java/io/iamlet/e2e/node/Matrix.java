package io.iamlet.e2e.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client x path x case table: what each row is, what it showed, and the summary printed at the end.
 */
final class Matrix {

    enum Client {
        JAVA("Java SDK v2 default chain"),
        JS("JS SDK v3 (credential-providers)"),
        PYTHON("Python boto3 default chain"),
        AWSCLI("awscli 2.9.19 (Debian)"),
        HTTP("raw HTTP from the pod"),
        TCP("TCP connect from the pod");

        final String label;

        Client(String label) {
            this.label = label;
        }
    }

    enum Path {
        CONTAINER("container 169.254.170.23"),
        IMDS("IMDS 169.254.169.254");

        final String label;

        Path(String label) {
            this.label = label;
        }
    }

    enum Case {
        OWN_ROLE("two pods concurrently: each gets its own role"),
        UPSTREAM("allow-listed paths proxied, node secrets never, no pod token upstream"),
        OTHER_POD_TOKEN("pod A's token from pod B: refused"),
        NO_ROLE("pod without a role: refused"),
        FORBIDDEN_ROLE("role not allowed (namespace policy / allow-list): refused"),
        IP_REUSE("pod deleted, new pod on its IP: new role, never the old"),
        SLOWLORIS("a pod holds its most slow connections: others served"),
        STOPPED("iamlet stopped: connections refused (fail closed)"),
        RESTARTED("iamlet restarted: clients recover");

        final String label;

        Case(String label) {
            this.label = label;
        }
    }

    /** One row of the table. */
    record Row(Client client, Path path, Case scenario) {
        @Override
        public String toString() {
            return client.label + " | " + path.label + " | " + scenario.label;
        }
    }

    /** What a row showed: passed or not, in words a reader of the summary understands. */
    record Verdict(boolean passed, String detail, Duration took) {
        static Verdict pass(String detail, Duration took) {
            return new Verdict(true, detail, took);
        }

        static Verdict fail(String detail, Duration took) {
            return new Verdict(false, detail, took);
        }
    }

    private final Map<Row, Verdict> verdicts = new ConcurrentHashMap<>();

    void record(Row row, Verdict verdict) {
        verdicts.put(row, verdict);
    }

    /** The summary: every row run, in case order, with its verdict. */
    String table(Duration total, List<String> preamble) {
        List<String> lines = new ArrayList<>(preamble);
        lines.add("");
        lines.add(String.format("%-34s | %-26s | %-58s | %-6s | %s", "client", "path", "case", "result", "detail"));
        lines.add("-".repeat(160));
        verdicts.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<Row, Verdict> e) -> e.getKey().scenario())
                        .thenComparing(e -> e.getKey().client()).thenComparing(e -> e.getKey().path()))
                .forEach(e -> lines.add(String.format("%-34s | %-26s | %-58s | %-6s | %s (%d ms)",
                        e.getKey().client().label, e.getKey().path().label, e.getKey().scenario().label,
                        e.getValue().passed() ? "PASSED" : "FAILED", e.getValue().detail(),
                        e.getValue().took().toMillis())));
        long passed = verdicts.values().stream().filter(Verdict::passed).count();
        lines.add("-".repeat(160));
        lines.add("node end-to-end summary: " + passed + " of " + verdicts.size() + " rows passed, in "
                + total.toSeconds() + " s");
        return String.join("\n", lines);
    }
}
