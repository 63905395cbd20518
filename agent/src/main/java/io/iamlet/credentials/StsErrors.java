package io.iamlet.credentials;

import io.iamlet.failure.Failure;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import io.iamlet.credentials.sts.StsServiceException;
import io.iamlet.credentials.sts.StsTimeoutException;
import io.iamlet.credentials.sts.StsTransportException;

/**
 * Turns what the STS client threw into a {@link Failure}: {@code Denied} when asking again cannot help (the cache
 * evicts), {@code Unavailable} when it can (the cache keeps serving and retries).
 *
 * <p>Messages name the STS action, role, error code and request id, never STS's free text or anything from the
 * request. The client's exception stays attached as the cause for operators' logs.
 */
final class StsErrors {

    /** The reason of a refusal of the web-identity token itself, expired. */
    static final String TOKEN_EXPIRED = "sts_token_expired";
    /** The reason of a call that ran out of time (attempt or whole call). */
    static final String TIMEOUT = "sts_timeout";
    /** The reason of a refusal of the web-identity token itself (signature, audience, issuer, claims). */
    static final String TOKEN_INVALID = "sts_invalid_token";

    /** STS error code to {@link Failure#reason()}; codes absent here fall back on the HTTP status. */
    private static final Map<String, String> DENIED = Map.ofEntries(
            Map.entry("AccessDenied", "sts_access_denied"),
            Map.entry("AccessDeniedException", "sts_access_denied"),
            Map.entry("InvalidIdentityToken", TOKEN_INVALID),
            Map.entry("IDPRejectedClaim", TOKEN_INVALID),
            Map.entry("ExpiredTokenException", TOKEN_EXPIRED),
            Map.entry("MalformedPolicyDocument", "sts_invalid_request"),
            Map.entry("PackedPolicyTooLarge", "sts_invalid_request"),
            Map.entry("ValidationError", "sts_invalid_request"),
            Map.entry("InvalidParameterValue", "sts_invalid_request"),
            Map.entry("RegionDisabledException", "sts_region_disabled"));

    /**
     * Retryable. The node-credential codes come from AssumeRole signed with the node's own (rotating) credentials:
     * the pod did nothing wrong, and the node-key chain will fetch new ones.
     */
    private static final Map<String, String> UNAVAILABLE = Map.ofEntries(
            Map.entry("Throttling", "sts_throttled"),
            Map.entry("ThrottlingException", "sts_throttled"),
            Map.entry("RequestLimitExceeded", "sts_throttled"),
            Map.entry("TooManyRequestsException", "sts_throttled"),
            Map.entry("IDPCommunicationError", "sts_idp_unreachable"),
            Map.entry("InternalFailure", "sts_error"),
            Map.entry("InternalError", "sts_error"),
            Map.entry("ServiceUnavailable", "sts_error"),
            Map.entry("ExpiredToken", "sts_node_credentials"),
            Map.entry("InvalidClientTokenId", "sts_node_credentials"),
            Map.entry("SignatureDoesNotMatch", "sts_node_credentials"),
            Map.entry("IncompleteSignature", "sts_node_credentials"),
            Map.entry("MissingAuthenticationToken", "sts_node_credentials"),
            Map.entry("UnrecognizedClientException", "sts_node_credentials"),
            Map.entry("RequestExpired", "sts_node_credentials"));

    private StsErrors() {
    }

    /** Whether STS refused the caller's token rather than the role: another token may well succeed. */
    static boolean tokenRefused(Failure failure) {
        return failure instanceof Failure.Denied
                && (TOKEN_EXPIRED.equals(failure.reason()) || TOKEN_INVALID.equals(failure.reason()));
    }

    static Failure map(String action, String roleArn, Throwable thrown) {
        Throwable t = unwrap(thrown);
        if (t instanceof Failure f) {
            return f;
        }
        if (t instanceof StsServiceException e) {
            String code = code(e);
            String message = "STS " + action + " for " + roleArn + " failed: " + code + " (HTTP " + e.statusCode()
                    + ", request id " + e.requestId() + ")";
            if (DENIED.containsKey(code)) {
                return new Failure.Denied(DENIED.get(code), message, e);
            }
            if (UNAVAILABLE.containsKey(code) || e.throttling() || e.statusCode() >= 500) {
                return new Failure.Unavailable(UNAVAILABLE.getOrDefault(code,
                        e.throttling() ? "sts_throttled" : "sts_error"), message, e);
            }
            // An unknown client error: asking again will not help, so fail closed.
            return new Failure.Denied("sts_rejected", message, e);
        }
        if (t instanceof StsTimeoutException) {
            return new Failure.Unavailable(TIMEOUT, "STS " + action + " for " + roleArn + " timed out", t);
        }
        if (t instanceof StsTransportException) {
            return new Failure.Unavailable("sts_unreachable", "STS " + action + " for " + roleArn
                    + " could not be sent: " + t.getClass().getSimpleName(), t);
        }
        return new Failure.Unavailable("sts_error", "STS " + action + " for " + roleArn + " failed: "
                + t.getClass().getSimpleName(), t);
    }

    /**
     * A low-cardinality label for the metric tag {@code error_code}: STS's code when it is one we know, else
     * {@code other}; {@code timeout} / {@code unreachable} for client-side failures; {@code none} for success.
     */
    static String metricCode(Throwable thrown) {
        if (thrown == null) {
            return "none";
        }
        for (Throwable c = thrown; c != null; c = c.getCause()) {
            if (c instanceof StsServiceException e) {
                String code = code(e);
                return DENIED.containsKey(code) || UNAVAILABLE.containsKey(code) ? code : "other";
            }
            if (c instanceof StsTimeoutException) {
                return "timeout";
            }
            if (c instanceof StsTransportException) {
                return "unreachable";
            }
        }
        return Failure.find(thrown).map(Failure::reason).orElse("other");
    }

    private static String code(StsServiceException e) {
        String code = e.errorCode();
        return code == null || code.isBlank() ? "Unknown" : code;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
