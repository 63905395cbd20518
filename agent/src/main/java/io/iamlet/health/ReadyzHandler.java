package io.iamlet.health;

import io.iamlet.server.Handler;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /readyz}: 200 when ready, 503 when not, answered on the event loop from the checks' in-memory state.
 *
 * <p>Plain text in the style of the Kubernetes API server's own {@code /readyz}: {@code ok} when ready; with
 * {@code ?verbose}, or whenever a check fails, one line per check ({@code [+]name ok} / {@code [-]name failed: why})
 * and a verdict line. {@code Accept: application/json} gets the same as
 * {@code {"ready":false,"checks":[{"name":"pod-informer","ready":false,"detail":"..."}]}}.
 */
public final class ReadyzHandler implements Handler {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final Readiness readiness;

    ReadyzHandler(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        Readiness.Report report = readiness.evaluate();
        int status = report.ready() ? 200 : 503;
        String accept = request.header("accept");
        Response response = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json")
                ? new Response(status, "application/json", Map.of(), json(report))
                : Response.text(status, text(report, verbose(request.query())));
        return CompletableFuture.completedFuture(response.withHeader("Cache-Control", "no-store"));
    }

    /** {@code verbose}, {@code verbose=}, {@code verbose=true} or {@code verbose=1} among the query parameters. */
    static boolean verbose(String query) {
        if (query == null || query.isEmpty()) {
            return false;
        }
        for (String param : query.split("&")) {
            String[] kv = param.split("=", 2);
            if (kv[0].equals("verbose")) {
                return kv.length == 1 || kv[1].isEmpty() || kv[1].equals("true") || kv[1].equals("1");
            }
        }
        return false;
    }

    static String text(Readiness.Report report, boolean verbose) {
        if (report.ready() && !verbose) {
            return "ok\n";
        }
        StringBuilder out = new StringBuilder();
        for (Readiness.Result r : report.results()) {
            out.append(r.ready() ? "[+]" : "[-]").append(r.name()).append(r.ready() ? " ok" : " failed");
            if (r.detail() != null && !r.detail().isBlank()) {
                out.append(r.ready() ? " (" : ": ").append(oneLine(r.detail())).append(r.ready() ? ")" : "");
            }
            out.append('\n');
        }
        out.append(report.ready() ? "readyz check passed\n"
                : "readyz check failed: " + String.join(", ", report.failing()) + "\n");
        return out.toString();
    }

    private static byte[] json(Readiness.Report report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("ready", report.ready());
        ArrayNode checks = root.putArray("checks");
        for (Readiness.Result r : report.results()) {
            ObjectNode check = checks.addObject();
            check.put("name", r.name());
            check.put("ready", r.ready());
            if (r.detail() != null) {
                check.put("detail", r.detail());
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ").strip();
    }
}
