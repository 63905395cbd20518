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
 * in the IP-reuse case by shop/new-1 (app-batch) at the same address.
 */
final class Scenarios implements AutoCloseable {

    static final String WEB = "arn:aws:iam::111122223333:role/app-web";
    static final String BATCH = "arn:aws:iam::111122223333:role/app-batch";

    /** iamlet, as the cases need to drive it. */
    interface Agent {
        boolean running();

        int stop();

        void start();
    }

    private static final List<Client> SDKS = List.of(Client.JAVA, Client.JS, Client.PYTHON);

    private final SimulatedNode node;
    private final StandInsProcess standIns;
    private final PodClients clients;
    private final Agent agent;
    private final Expectations expect;
    private final ExecutorService pool = Executors.newFixedThreadPool(6);
    private int upstreamRequestsBefore;

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
        };
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
    }
}
