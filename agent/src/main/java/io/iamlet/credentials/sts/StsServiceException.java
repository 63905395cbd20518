package io.iamlet.credentials.sts;

/**
 * STS answered with an error status. The message is STS's code, message, status and request id, as the AWS SDK
 * shows them; STS's messages name roles and actions, never the request's secrets.
 */
public final class StsServiceException extends RuntimeException {

    private final int statusCode;
    private final String errorCode;
    private final String requestId;

    StsServiceException(int statusCode, String errorCode, String errorMessage, String requestId) {
        super((errorCode == null ? "Unknown" : errorCode) + ": " + (errorMessage == null ? "" : errorMessage)
                + " (Status Code: " + statusCode + ", Request ID: " + requestId + ")", null, false, false);
        this.statusCode = statusCode;
        this.errorCode = errorCode;
        this.requestId = requestId;
    }

    public int statusCode() {
        return statusCode;
    }

    /** STS's {@code Code}; null when the body had none (not STS's XML). */
    public String errorCode() {
        return errorCode;
    }

    /** May be null. */
    public String requestId() {
        return requestId;
    }

    /** HTTP 429 or one of the throttling codes the AWS SDK knows. */
    public boolean throttling() {
        return statusCode == 429 || errorCode != null && RetryPolicy.THROTTLING_CODES.contains(errorCode);
    }
}
