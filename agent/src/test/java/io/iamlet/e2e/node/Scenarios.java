package io.iamlet.e2e.node;

import static org.awaitility.Awaitility.await;

import io.iamlet.e2e.node.Matrix.Case;
import io.iamlet.e2e.node.Matrix.Client;
import io.iamlet.e2e.node.Matrix.Path;
import io.iamlet.e2e.node.Matrix.Row;
import io.iamlet.e2e.node.Matrix.Verdict;
import io.iamlet.e2e.node.SimulatedNode.PodNet;
import io.iamlet.e2e.node.StandInsProcess.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The cases of the node end-to-end test, each run as one batch: its rows (client x path) in parallel, after the
 * case's preparation (replacing a pod, stopping or restarting iamlet). Pod namespaces and who lives there:
 * pod1 shop/web-1 (app-web), pod2 shop/batch-1 (app-batch), pod3 shop/plain-1 (no role), pod4 locked/intruder-1
 * (a role its service account's allow-list and its namespace's policy refuse), pod5 shop/old-1 (app-web), replaced
 * in the IP-reuse case by shop/new-1 (app-batch) at the same address. In the slowloris case pod3 holds as many slow
 * connections to both addresses as iamlet lets one source have, while pod1's clients ask for credentials.
 */
final class Scenarios implements AutoCloseable {

    static final String WEB = "arn:aws:iam::111122223333:role/app-web";
    static final String BATCH = "arn:aws:iam::111122223333:role/app-batch";

    /** iamlet, as the cases need to drive it. */
    interface Agent {
        boolean running();

        int stop();

        void start();

        /** Its log so far. */
        String log();
    }

    /** iamlet's default {@code --max-connections-per-source}, which the suite's iamlet runs with. */
    static final int PER_SOURCE_LIMIT = 64;
    /**
     * Slow connections the hostile pod tries to hold to each address: issue 10's reproduction, more than a listener's
     * whole cap (1024), so that without the per-source limit it would leave no room for anyone else.
     */
    static final int SLOWLORIS_CONNECTIONS = 1100;
    /** Credential fetches timed per path, before and during the slowloris. */
    static final int TIMED_FETCHES = 20;
    /** What the issue promises another pod while one holds its maximum: an answer within a second. */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);
    private static final List<String> SLOWLORIS_TARGETS = List.of("169.254.170.23:80", "169.254.169.254:80");
    private static final List<String> CREDENTIAL_SERVERS = List.of("container", "metadata");

    private static final List<Client> SDKS = List.of(Client.JAVA, Client.JS, Client.PYTHON);

    private final SimulatedNode node;
    private final StandInsProcess standIns;
    private final PodClients clients;
    private final Agent agent;
    private final Expectations expect;
    private final ExecutorService pool = Executors.newFixedThreadPool(6);
    private int upstreamRequestsBefore;
    private PodClients.Slowloris slowloris;
    private long slowlorisStarted;
    private final Map<Path, PodClients.Repeated> before = new LinkedHashMap<>();
    private final Map<Path, PodClients.Repeated> during = new LinkedHashMap<>();
    private final Map<String, Double> refusedBeforeRows = new LinkedHashMap<>();

    Scenarios(SimulatedNode node, StandInsProcess standIns, PodClients clients, Agent agent) {
        this.node = node;
        this.standIns = standIns;
        this.clients = clients;
        this.agent = agent;
        this.expect = new Expectations(standIns, clients);
    }

    /** The rows of {@code scenario}: which client is asked through which path. */
    static List<Row> rows(Case scenario) {
        if (scenario == Case.UPSTREAM) {
            return List.of(new Row(Client.HTTP, Path.IMDS, scenario));
        }
        List<Path> paths = List.of(Path.CONTAINER, Path.IMDS);
        List<Row> rows = new ArrayList<>();
        for (Path path : scenario == Case.OTHER_POD_TOKEN ? List.of(Path.CONTAINER) : paths) {
            SDKS.forEach(c -> rows.add(new Row(c, path, scenario)));
        }
        if (scenario != Case.OTHER_POD_TOKEN) {
            rows.add(new Row(Client.AWSCLI, Path.IMDS, scenario));
        }
        switch (scenario) {
            case OTHER_POD_TOKEN, NO_ROLE, FORBIDDEN_ROLE -> paths.forEach(p -> rows.add(new Row(Client.HTTP, p, scenario)));
            case IP_REUSE -> rows.add(new Row(Client.HTTP, Path.CONTAINER, scenario));
            case STOPPED -> paths.forEach(p -> rows.add(new Row(Client.TCP, p, scenario)));
            default -> { }
        }
        return rows;
    }

    /** Prepares and runs {@code scenario}; every row gets a verdict. */
    Map<Row, Verdict> run(Case scenario) {
        prepare(scenario);
        Map<Row, CompletableFuture<Verdict>> running = new LinkedHashMap<>();
        for (Row row : rows(scenario)) {
            running.put(row, CompletableFuture.supplyAsync(() -> verdict(row), pool));
        }
        Map<Row, Verdict> verdicts = new LinkedHashMap<>();
        running.forEach((row, future) -> {
            try {
                verdicts.put(row, future.join());
            } catch (RuntimeException e) {
                verdicts.put(row, Verdict.fail("harness error: " + e, Duration.ZERO));
            }
        });
        if (scenario != Case.STOPPED && !agent.running()) {
            verdicts.replaceAll((row, v) -> Verdict.fail("iamlet exited during the case; " + v.detail(), v.took()));
        }
        if (scenario == Case.SLOWLORIS) {
            String problem = slowlorisProblem();
            verdicts.replaceAll((row, v) -> problem == null ? v : Verdict.fail(problem + "; " + v.detail(), v.took()));
        }
        if (scenario == Case.STOPPED) {
            int reached = standIns.metadataRequests().size() - upstreamRequestsBefore;
            verdicts.replaceAll((row, v) -> row.client() != Client.TCP || row.path() != Path.IMDS || reached == 0 ? v
                    : Verdict.fail(reached + " request(s) reached the node's metadata service; " + v.detail(), v.took()));
        }
        return verdicts;
    }

    private void prepare(Case scenario) {
        switch (scenario) {
            case IP_REUSE -> replaceOldPod();
            case STOPPED -> {
                if (agent.running()) {
                    agent.stop();
                }
                upstreamRequestsBefore = standIns.metadataRequests().size();
            }
            case RESTARTED -> {
                if (agent.running()) {
                    agent.stop();
                }
                agent.start();
            }
            case SLOWLORIS -> {
                if (!agent.running()) {
                    agent.start();
                }
                startSlowloris();
            }
            default -> {
                if (!agent.running()) {
                    agent.start();
                }
            }
        }
    }

    /** Deletes shop/old-1 (app-web) and creates shop/new-1 (app-batch) at its IP; waits until iamlet serves it. */
    private void replaceOldPod() {
        PodNet pod5 = node.pod(5);
        standIns.deletePod("shop", "old-1");
        Pod fresh = standIns.addPod("shop", "new-1", "batch", pod5.ip(), Map.of("iam.amazonaws.com/role", "app-batch"));
        await("iamlet serves shop/new-1 at " + pod5.ip()).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> clients.http(pod5, "GET", PodClients.CONTAINER_URI,
                        Map.of("Authorization", Expectations.read(fresh.tokenFile()))).status() == 200);
        await("iamlet's metadata path names app-batch to " + pod5.ip()).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200)).until(() -> "app-batch".equals(expect.imdsRoleName(pod5)));
    }

    private Verdict verdict(Row row) {
        Path path = row.path();
        return switch (row.scenario()) {
            case OWN_ROLE -> expect.bothOwnRoles(row.client(), path, node.pod(1), pod("web-1"), WEB,
                    node.pod(2), pod("batch-1"), BATCH);
            case UPSTREAM -> expect.upstreamOnlyAllowListed(node.pod(1));
            case OTHER_POD_TOKEN -> row.client() == Client.HTTP
                    ? expect.foreignTokenStatus(path, node.pod(1), pod("web-1"), node.pod(2))
                    : expect.refused(row.client(), path, node.pod(2), pod("web-1").tokenFile());
            case NO_ROLE -> denied(row, node.pod(3), pod("plain-1"));
            case FORBIDDEN_ROLE -> denied(row, node.pod(4), standIns.pod("locked", "intruder-1"));
            case IP_REUSE -> row.client() == Client.HTTP
                    ? expect.status(node.pod(5), "GET", PodClients.CONTAINER_URI, pod("old-1").tokenFile(), 403,
                            "the deleted pod's token from its reused IP")
                    : expect.ownRole(row.client(), path, node.pod(5), current("new-1").tokenFile(), BATCH);
            case STOPPED -> row.client() == Client.TCP
                    ? expect.connectionRefused(node.pod(1), path)
                    : expect.cannotConnect(row.client(), path, node.pod(1), pod("web-1").tokenFile());
            case RESTARTED -> expect.ownRole(row.client(), path, node.pod(1), pod("web-1").tokenFile(), WEB);
            case SLOWLORIS -> row.client() == Client.JAVA ? timedDuringSlowloris(path)
                    : expect.ownRole(row.client(), path, node.pod(1), pod("web-1").tokenFile(), WEB);
        };
    }

    /**
     * Times pod1's Java SDK before the slowloris, starts it in pod3, waits until iamlet reports pod3 at its limit on
     * both credential listeners (and refusing it more), then times pod1 again while it holds them.
     */
    private void startSlowloris() {
        for (Path path : List.of(Path.CONTAINER, Path.IMDS)) {
            clients.repeat(path, node.pod(1), pod("web-1").tokenFile(), 1); // class loading, not the figure
            before.put(path, clients.repeat(path, node.pod(1), pod("web-1").tokenFile(), TIMED_FETCHES));
        }
        slowlorisStarted = System.nanoTime();
        slowloris = clients.slowloris(node.pod(3), SLOWLORIS_CONNECTIONS, SLOWLORIS_TARGETS);
        await("pod3 holds " + PER_SOURCE_LIMIT + " connections to each credential listener and is refused more")
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    String scrape = metrics();
                    return CREDENTIAL_SERVERS.stream().allMatch(server ->
                            meter(scrape, "iamlet_server_connections", "server=\"" + server + "\"") >= PER_SOURCE_LIMIT
                                    && refused(scrape, server) > 0);
                });
        String scrape = metrics();
        CREDENTIAL_SERVERS.forEach(server -> refusedBeforeRows.put(server, refused(scrape, server)));
        for (Path path : List.of(Path.CONTAINER, Path.IMDS)) {
            during.put(path, clients.repeat(path, node.pod(1), pod("web-1").tokenFile(), TIMED_FETCHES));
        }
    }

    /** The Java row: every timed fetch during the slowloris got web-1's role, each within {@link #ANSWER_WITHIN}. */
    private Verdict timedDuringSlowloris(Path path) {
        PodClients.Repeated timed = during.get(path);
        PodClients.Repeated baseline = before.get(path);
        Duration took = timed.took().stream().reduce(Duration.ZERO, Duration::plus);
        String detail = "web-1, " + TIMED_FETCHES + " fresh default chains in a row while pod3 held its maximum: "
                + timed.brief() + " (before the slowloris: " + baseline.brief() + ")";
        List<String> wrong = timed.accessKeyIds().stream().filter(key -> standIns.issued(key)
                .map(issued -> !WEB.equals(issued.role())).orElse(true)).toList();
        if (timed.succeeded() != timed.times()) {
            return Verdict.fail(detail + "; first failure: " + timed.error(), took);
        }
        if (!wrong.isEmpty()) {
            return Verdict.fail(detail + "; keys not issued for app-web: " + wrong, took);
        }
        if (timed.max().compareTo(ANSWER_WITHIN) > 0) {
            return Verdict.fail(detail + "; slower than " + ANSWER_WITHIN.toMillis() + " ms", took);
        }
        return Verdict.pass(detail, took);
    }

    /**
     * After the rows: pod3 was still at its limit on both listeners while they ran (iamlet kept refusing it), and
     * iamlet logged the refusals at most once a minute per listener. Null when all is well. Stops the slowloris.
     */
    private String slowlorisProblem() {
        try {
            List<String> problems = new ArrayList<>();
            String scrape = metrics();
            for (String server : CREDENTIAL_SERVERS) {
                double grew = refused(scrape, server) - refusedBeforeRows.get(server);
                if (grew <= 0) {
                    problems.add("iamlet refused pod3 no connection to the " + server + " listener during the rows: "
                            + "it was not at its limit");
                }
            }
            String source = "refusing connections from " + node.pod(3).ip() + ":";
            long lines = agent.log().lines().filter(l -> l.contains(source)).count();
            long minutes = Duration.ofNanos(System.nanoTime() - slowlorisStarted).toMinutes();
            if (lines == 0 || lines > CREDENTIAL_SERVERS.size() * (minutes + 1)) {
                problems.add(lines + " log lines '" + source + "' in " + (minutes + 1) + " minute(s) (expected 1 to "
                        + CREDENTIAL_SERVERS.size() * (minutes + 1) + ")");
            }
            String held = slowloris.status().stream().map(t -> t.path("address").asString() + " held "
                    + t.path("held").asInt() + ", closed at once " + t.path("closedAtOnce").asLong()).reduce((a, b) ->
                    a + "; " + b).orElse("");
            System.out.println("slowloris case: pod3 " + held + "; iamlet refused it "
                    + CREDENTIAL_SERVERS.stream().map(server -> server + " " + (long) refused(scrape, server))
                    .toList() + " times, in " + lines + " log line(s)");
            return problems.isEmpty() ? null : String.join("; ", problems) + " (pod3: " + held + ")";
        } finally {
            slowloris.close();
        }
    }

    private String metrics() {
        return standIns.httpBody("http://127.0.0.1:9876/metrics");
    }

    private static double refused(String scrape, String server) {
        return meter(scrape, "iamlet_server_connections_rejected_total", "reason=\"per_source\"",
                "server=\"" + server + "\"");
    }

    /** The sum of the samples of {@code name} whose labels include each of {@code labels}. */
    static double meter(String scrape, String name, String... labels) {
        return scrape.lines().filter(l -> l.startsWith(name + "{"))
                .filter(l -> java.util.Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private Verdict denied(Row row, PodNet net, Pod pod) {
        if (row.client() != Client.HTTP) {
            return expect.refused(row.client(), row.path(), net, pod.tokenFile());
        }
        // docs: the container endpoint refuses with 403; the metadata path lists no role (404) for a pod without
        // one and refuses (403) a role its namespace's policy does not allow
        return row.path() == Path.CONTAINER
                ? expect.status(net, "GET", PodClients.CONTAINER_URI, pod.tokenFile(), 403, "its own token")
                : expect.imdsCredentialsStatus(net, row.scenario() == Case.NO_ROLE ? 404 : 403);
    }

    private Pod pod(String name) {
        return standIns.pod("shop", name);
    }

    /** A pod created after the seed (the IP-reuse case's new pod). */
    private Pod current(String name) {
        return standIns.added("shop", name);
    }

    @Override
    public void close() {
        pool.shutdownNow();
        if (slowloris != null) {
            slowloris.close();
        }
    }
}
