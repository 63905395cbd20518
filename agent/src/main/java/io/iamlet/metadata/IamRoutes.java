package io.iamlet.metadata;

import io.iamlet.audit.AuditEvent;
import io.iamlet.audit.AuditLog;
import io.iamlet.credentials.CredentialProvider;
import io.iamlet.credentials.Credentials;
import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleArns;
import io.iamlet.credentials.CredentialsJson;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * iamlet's own {@code /latest/meta-data/iam/} routes, answered for the pod at the source address and never from the
 * node's profile.
 *
 * <p>Every refusal of a role (403) is audited, and so reported on the pod by the audit log's
 * {@link io.iamlet.audit.PodEventRecorder}; the credentials route audits every outcome, grant or refusal, exactly
 * once. The role list and {@code info} do not audit "no role" (404): SDK default chains probe IMDS from pods that
 * never meant to use it, and that is not a decision about credentials.
 */
final class IamRoutes {

    static final String ENDPOINT = "metadata";
    static final String CREDENTIALS = "/latest/meta-data/iam/security-credentials/";
    private static final Map<String, String> NO_STORE = Map.of("Cache-Control", "no-store");

    private final RoleDecider decider;
    private final CredentialProvider credentials;
    private final AuditLog audit;
    private final MetadataMetrics metrics;
    private final Instant started;

    IamRoutes(RoleDecider decider, CredentialProvider credentials, AuditLog audit, MetadataMetrics metrics,
              Instant started) {
        this.decider = decider;
        this.credentials = credentials;
        this.audit = audit;
        this.metrics = metrics;
        this.started = started;
    }

    /** {@code GET .../iam/security-credentials[/]}: the role's name, no trailing newline. */
    CompletableFuture<Response> roleName(Request request) {
        return decided(request, false, d -> Response.text(200, RoleArns.roleName(d.roleArn())));
    }

    /** {@code GET .../iam/info}: the synthesised profile document of the pod's role. */
    CompletableFuture<Response> info(Request request) {
        return decided(request, false,
                d -> Response.json(200, InstanceProfileInfo.render(d.roleArn(), started)));
    }

    /**
     * {@code GET .../iam/security-credentials/<name>}: the IMDS credentials document if name is the pod's role. A
     * decision and credentials already at hand (the usual request) are answered synchronously, without a chain of
     * dependent futures; the steps and the audit are the same either way.
     */
    CompletableFuture<Response> credentials(Request request) {
        String name = request.path().substring(CREDENTIALS.length());
        RoleDecider.Trail trail = new RoleDecider.Trail(AuditEvent.from(ENDPOINT, request.sourceIp()));
        CompletableFuture<CredentialProvider.Served> served;
        try {
            CompletableFuture<RoleDecider.Decision> decided = decider.decide(request.sourceIp(), trail);
            RoleDecider.Decision d = RoleDecider.now(decided);
            served = d != null ? credentialsOf(d, name) : decided.thenCompose(x -> credentialsOf(x, name));
        } catch (RuntimeException e) {
            served = CompletableFuture.failedFuture(e);
        }
        CredentialProvider.Served done = RoleDecider.now(served);
        if (done != null) {
            return CompletableFuture.completedFuture(granted(trail, done));
        }
        return served.handle((s, error) -> {
            if (error != null) {
                throw refused(trail, error, true);
            }
            return granted(trail, s);
        });
    }

    private CompletableFuture<CredentialProvider.Served> credentialsOf(RoleDecider.Decision d, String name) {
        String role = requireRole(d);
        if (!name.equals(RoleArns.roleName(role))) {
            throw new Failure.NotFound("not_pod_role", "this pod's role has another name");
        }
        return credentials.get(d.identity());
    }

    private Response granted(RoleDecider.Trail trail, CredentialProvider.Served served) {
        Credentials c = served.credentials();
        audit.record(trail.event.granted(served.cacheHit(), c.stsRequestId(), c.accessKeyId()));
        metrics.served(served.cacheHit());
        return new Response(200, "application/json", NO_STORE, CredentialsJson.imds(c));
    }

    /** {@code security-credentials-extended} is not implemented: exactly 404, which newer Go SDKs expect. */
    static CompletableFuture<Response> extendedNotFound(Request request) {
        return CompletableFuture.failedFuture(new Failure.NotFound("not_implemented", "no such path"));
    }

    private CompletableFuture<Response> decided(Request request, boolean auditAll,
                                                Function<RoleDecider.Decision, Response> answer) {
        RoleDecider.Trail trail = new RoleDecider.Trail(AuditEvent.from(ENDPOINT, request.sourceIp()));
        return decider.decide(request.sourceIp(), trail).handle((d, error) -> {
            Throwable failure = error;
            if (failure == null) {
                try {
                    requireRole(d);
                    return answer.apply(d);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            throw refused(trail, failure, auditAll);
        });
    }

    private static String requireRole(RoleDecider.Decision d) {
        if (d.roleArn() == null) {
            throw new Failure.NotFound("no_role", "no IAM role is assigned to this pod");
        }
        return d.roleArn();
    }

    /** Records a refusal (metrics; audit as the class comment says) and returns it to rethrow. */
    private CompletionException refused(RoleDecider.Trail trail, Throwable error, boolean auditAll) {
        Failure failure = Failure.find(error).orElse(null);
        String reason = failure == null ? "internal_error" : failure.reason();
        metrics.denial(reason);
        boolean denied = failure instanceof Failure.Denied;
        if (auditAll || denied) {
            audit.record(trail.event.denied(failure == null ? 500 : failure.status(), reason));
        }
        return error instanceof CompletionException ce ? ce : new CompletionException(error);
    }
}
