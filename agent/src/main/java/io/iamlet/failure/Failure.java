package io.iamlet.failure;

/**
 * Why a request was not answered with credentials. Every failure carries its HTTP meaning; one place (the server's
 * response writer) turns it into a status, a JSON body and a log line.
 *
 * <p>{@link #getMessage()} is shown to the caller and must never contain a token, key or anything secret.
 * {@link #reason()} is a short machine-readable word for logs and metric tags (low cardinality).
 */
public abstract sealed class Failure extends RuntimeException {

    private final String reason;

    private Failure(String reason, String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    /** HTTP status the caller receives. */
    public abstract int status();

    /** Error code for the JSON body ({@code code}/{@code Code}). */
    public abstract String code();

    /** Low-cardinality reason, e.g. {@code token_expired}, {@code pod_mismatch}; safe for logs and metric tags. */
    public String reason() {
        return reason;
    }

    /** Whether an SDK should retry: true for the 5xx family. */
    public boolean transientFailure() {
        return status() >= 500;
    }

    /** The request itself is malformed (missing token, unparseable token, bad TTL). */
    public static final class BadRequest extends Failure {
        public BadRequest(String reason, String message) { super(reason, message, null); }
        @Override public int status() { return 400; }
        @Override public String code() { return "InvalidRequest"; }
    }

    /** The caller could not be authenticated (bad signature, expired token, bad IMDSv2 token). */
    public static final class Unauthenticated extends Failure {
        public Unauthenticated(String reason, String message) { super(reason, message, null); }
        @Override public int status() { return 401; }
        @Override public String code() { return "InvalidToken"; }
    }

    /** The caller is known but policy does not allow what it asks for. */
    public static final class Denied extends Failure {
        public Denied(String reason, String message) { super(reason, message, null); }
        public Denied(String reason, String message, Throwable cause) { super(reason, message, cause); }
        @Override public int status() { return 403; }
        @Override public String code() { return "AccessDenied"; }
    }

    /** No such resource (IMDS paths only; never used on {@code /v1/credentials}, where Java SDKs give up on 404). */
    public static final class NotFound extends Failure {
        public NotFound(String reason, String message) { super(reason, message, null); }
        @Override public int status() { return 404; }
        @Override public String code() { return "NotFound"; }
    }

    /** The source IP is not (yet) known to the pod index: the pod may have started a moment ago. Retryable. */
    public static final class NotYetKnown extends Failure {
        public NotYetKnown(String reason, String message) { super(reason, message, null); }
        @Override public int status() { return 503; }
        @Override public String code() { return "ServiceUnavailable"; }
    }

    /** A dependency (STS, the API server, the JWKS endpoint, upstream IMDS) is unavailable. Retryable. */
    public static final class Unavailable extends Failure {
        public Unavailable(String reason, String message) { super(reason, message, null); }
        public Unavailable(String reason, String message, Throwable cause) { super(reason, message, cause); }
        @Override public int status() { return 503; }
        @Override public String code() { return "ServiceUnavailable"; }
    }

    /** An upstream answered with something we cannot pass on (metadata proxy). */
    public static final class BadGateway extends Failure {
        public BadGateway(String reason, String message, Throwable cause) { super(reason, message, cause); }
        @Override public int status() { return 502; }
        @Override public String code() { return "BadGateway"; }
    }

    /** Unwraps CompletionException/ExecutionException chains and returns the Failure inside, if any. */
    public static java.util.Optional<Failure> find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Failure f) {
                return java.util.Optional.of(f);
            }
        }
        return java.util.Optional.empty();
    }
}
