package io.iamlet.e2e.node;

import io.iamlet.e2e.node.Matrix.Client;
import io.iamlet.e2e.node.Matrix.Path;
import io.iamlet.e2e.node.Matrix.Verdict;
import io.iamlet.e2e.node.PodClients.Outcome;
import io.iamlet.e2e.node.SimulatedNode.PodNet;
import io.iamlet.e2e.node.StandInsProcess.Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How a row's outcome is judged. Credentials count only when the STS stand-in issued their access key for the
 * expected role (awscli: when GetCallerIdentity, signed with them, names the role); a refusal counts only when
 * iamlet answered it (no connection error), and the raw-HTTP rows pin the documented status.
 */
final class Expectations {

    static final String IMDS = "http://169.254.169.254";
    private static final List<String> CONNECTION_FAILURES = List.of("Connection refused", "ECONNREFUSED",
            "ConnectException", "timed out", "Timeout", "EHOSTUNREACH", "unreachable", "Connect timeout",
            "Could not connect", "Unable to connect");

    private final StandInsProcess standIns;
    private final PodClients clients;

    Expectations(StandInsProcess standIns, PodClients clients) {
        this.standIns = standIns;
        this.clients = clients;
    }

    /** Two pods ask at the same moment; each must come back with its own role. */
    Verdict bothOwnRoles(Client client, Path path, PodNet netA, Pod podA, String roleA, PodNet netB, Pod podB,
                         String roleB) {
        var a = CompletableFuture.supplyAsync(() -> ownRole(client, path, netA, podA.tokenFile(), roleA),
                task -> Thread.ofVirtual().start(task));
        Verdict b = ownRole(client, path, netB, podB.tokenFile(), roleB);
        Verdict first = a.join();
        String detail = podA.name() + ": " + first.detail() + "; " + podB.name() + ": " + b.detail();
        Duration took = first.took().compareTo(b.took()) > 0 ? first.took() : b.took();
        return first.passed() && b.passed() ? Verdict.pass(detail, took) : Verdict.fail(detail, took);
    }

    Verdict ownRole(Client client, Path path, PodNet net, java.nio.file.Path token, String role) {
        Outcome o = clients.credentials(client, path, net, token);
        if (!o.ok()) {
            return Verdict.fail("no credentials: " + o.brief(), o.took());
        }
        String roleName = role.substring(role.lastIndexOf('/') + 1);
        if (client == Client.AWSCLI) {
            boolean same = o.arn() != null && o.arn().contains(":assumed-role/" + roleName + "/");
            return same ? Verdict.pass(roleName + " (" + o.arn() + ")", o.took())
                    : Verdict.fail("wrong identity " + o.arn() + ", expected role " + roleName, o.took());
        }
        var issued = standIns.issued(o.accessKeyId());
        if (issued.isEmpty()) {
            return Verdict.fail(o.accessKeyId() + " is a key the STS stand-in never issued", o.took());
        }
        if (!role.equals(issued.get().role())) {
            return Verdict.fail("wrong role: " + issued.get().role() + " (" + o.brief() + "), expected " + roleName,
                    o.took());
        }
        String action = path == Path.CONTAINER ? "AssumeRoleWithWebIdentity" : "AssumeRole";
        if (!action.equals(issued.get().action())) {
            return Verdict.fail("issued by sts:" + issued.get().action() + ", not by sts:" + action + " as the "
                    + path.label + " path does", o.took());
        }
        String how = path == Path.CONTAINER ? "container-role" : "iam-role";
        if (client == Client.PYTHON && !how.equals(o.how())) {
            return Verdict.fail("botocore's " + o.how() + " provider answered, not " + how, o.took());
        }
        return Verdict.pass(roleName + " (" + o.brief() + ", sts:" + action + ")", o.took());
    }

    /** No credentials, and (where the SDK's error tells) because iamlet said no, not because nothing answered. */
    Verdict refused(Client client, Path path, PodNet net, java.nio.file.Path token) {
        Outcome o = clients.credentials(client, path, net, token);
        if (o.ok()) {
            return Verdict.fail("got credentials: " + o.brief() + " role " + (o.accessKeyId() == null ? o.arn()
                    : standIns.issued(o.accessKeyId()).map(StandInsProcess.Issued::role).orElse("?")), o.took());
        }
        if (errorTells(client, path) && connectionFailure(o.error())) {
            return Verdict.fail("not an answer from iamlet: " + o.brief(), o.took());
        }
        return Verdict.pass(o.brief(), o.took());
    }

    /** iamlet is down: the client fails to connect, it does not get credentials from anywhere else. */
    Verdict cannotConnect(Client client, Path path, PodNet net, java.nio.file.Path token) {
        Outcome o = clients.credentials(client, path, net, token);
        if (o.ok()) {
            return Verdict.fail("got credentials with iamlet stopped: " + o.brief(), o.took());
        }
        return !errorTells(client, path) || connectionFailure(o.error()) ? Verdict.pass(o.brief(), o.took())
                : Verdict.fail("failed, but not for want of a connection: " + o.brief(), o.took());
    }

    /**
     * Whether the client's error tells a refusal from a failed connection. Java (the chain's debug log) and Python
     * (botocore's debug log) do. The JavaScript default chain does not on the container path: after its HTTP
     * provider fails for whatever reason it tries the legacy container provider, whose error (the host is not one it
     * knows) is the one reported; its metadata provider says "Unable to connect" for a refused connection and
     * "Error response received" for a refusal. awscli says "Unable to locate credentials" either way.
     */
    private static boolean errorTells(Client client, Path path) {
        return client == Client.JAVA || client == Client.PYTHON || client == Client.JS && path == Path.IMDS;
    }

    /** A bare TCP connect to the path's address is refused by the node at once (DNAT rule and link stay). */
    Verdict connectionRefused(PodNet net, Path path) {
        String address = path == Path.CONTAINER ? "169.254.170.23" : "169.254.169.254";
        Outcome o = clients.tcp(net, address, 80);
        boolean refused = !o.ok() && String.valueOf(o.error()).contains("Connection refused");
        boolean quick = o.took().compareTo(Duration.ofSeconds(3)) < 0;
        String said = o.ok() ? "connected" : o.error().lines().reduce((a, b) -> b).orElse("").strip();
        String detail = address + ":80: " + said;
        return refused && quick ? Verdict.pass(detail, o.took()) : Verdict.fail(detail, o.took());
    }

    /** A raw request with the token in {@code tokenFile} gets exactly {@code expected}. */
    Verdict status(PodNet net, String method, String url, java.nio.file.Path tokenFile, int expected, String what) {
        Outcome o = clients.http(net, method, url, Map.of("Authorization", read(tokenFile)));
        String detail = what + ": HTTP " + o.status() + (o.ok() ? "" : " (" + o.error() + ")");
        return o.status() == expected ? Verdict.pass(detail, o.took()) : Verdict.fail(detail + ", expected "
                + expected, o.took());
    }

    /** Pod A's token from pod B: the container endpoint's 403; pod A's IMDSv2 token from pod B: 401. */
    Verdict foreignTokenStatus(Path path, PodNet netA, Pod podA, PodNet netB) {
        if (path == Path.CONTAINER) {
            return status(netB, "GET", PodClients.CONTAINER_URI, podA.tokenFile(), 403, podA.name() + "'s token");
        }
        String token = imdsToken(netA);
        Outcome o = clients.http(netB, "GET", IMDS + "/latest/meta-data/iam/security-credentials/",
                Map.of("X-aws-ec2-metadata-token", token));
        String detail = podA.name() + "'s IMDSv2 token from another pod: HTTP " + o.status();
        return o.status() == 401 ? Verdict.pass(detail, o.took()) : Verdict.fail(detail + ", expected 401", o.took());
    }

    /** The pod's own IMDSv2 token, then the role listing: exactly {@code expected}. */
    Verdict imdsCredentialsStatus(PodNet net, int expected) {
        String token = imdsToken(net);
        Outcome o = clients.http(net, "GET", IMDS + "/latest/meta-data/iam/security-credentials/",
                Map.of("X-aws-ec2-metadata-token", token));
        String detail = "GET iam/security-credentials/ with its IMDSv2 token: HTTP " + o.status();
        return o.status() == expected ? Verdict.pass(detail, o.took())
                : Verdict.fail(detail + ", expected " + expected, o.took());
    }

    /** The role name the metadata path lists for the pod (null unless 200). */
    String imdsRoleName(PodNet net) {
        Outcome o = clients.http(net, "GET", IMDS + "/latest/meta-data/iam/security-credentials/",
                Map.of("X-aws-ec2-metadata-token", imdsToken(net)));
        return o.status() == 200 ? o.body() : null;
    }

    /**
     * The metadata proxy from a pod: an allow-listed path answers the node's value; user-data, the node's role
     * credentials and identity credentials answer 404; and the upstream stand-in saw only allow-listed paths, each
     * with a token it issued itself (never a pod's).
     */
    Verdict upstreamOnlyAllowListed(PodNet net) {
        long start = System.nanoTime();
        String token = imdsToken(net);
        Map<String, String> auth = Map.of("X-aws-ec2-metadata-token", token);
        List<String> problems = new java.util.ArrayList<>();
        Outcome id = clients.http(net, "GET", IMDS + "/latest/meta-data/instance-id", auth);
        if (id.status() != 200 || !io.iamlet.testing.MetadataStandIn.INSTANCE_ID.equals(id.body())) {
            problems.add("instance-id: HTTP " + id.status() + " " + id.body());
        }
        for (String secret : List.of("/latest/user-data",
                "/latest/meta-data/iam/security-credentials/" + io.iamlet.testing.MetadataStandIn.NODE_ROLE,
                "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance")) {
            Outcome o = clients.http(net, "GET", IMDS + secret, auth);
            if (o.status() != 404) {
                problems.add(secret + ": HTTP " + o.status());
            }
        }
        var upstream = standIns.metadataRequests();
        upstream.stream().filter(r -> !r.path("path").asString().equals("/latest/api/token")
                        && (!r.path("path").asString().equals("/latest/meta-data/instance-id")
                        || !r.path("tokenIssuedHere").asBoolean(false)))
                .forEach(r -> problems.add("upstream saw " + r));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String detail = "instance-id proxied (" + id.body() + "); user-data, the node's role credentials, identity "
                + "credentials: 404; upstream saw " + upstream.size() + " request(s), only api/token and instance-id, "
                + "each with its own token";
        return problems.isEmpty() ? Verdict.pass(detail, took) : Verdict.fail(String.join("; ", problems), took);
    }

    String imdsToken(PodNet net) {
        Outcome o = clients.http(net, "PUT", IMDS + "/latest/api/token",
                Map.of("X-aws-ec2-metadata-token-ttl-seconds", "21600"));
        if (o.status() != 200) {
            throw new AssertionError("no IMDSv2 token for pod " + net.index() + ": HTTP " + o.status() + " "
                    + o.error());
        }
        return o.body();
    }

    static boolean connectionFailure(String error) {
        return error != null && CONNECTION_FAILURES.stream().anyMatch(error::contains);
    }

    static String read(java.nio.file.Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
