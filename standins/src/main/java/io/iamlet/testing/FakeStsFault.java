package io.iamlet.testing;

import java.time.Duration;

/**
 * A programmed answer for the next request: an STS error (status &gt; 0), or only a delay before the normal answer
 * (status 0).
 */
public record FakeStsFault(int status, String type, String code, String message, Duration delay) {

    public static final FakeStsFault THROTTLING = sender(400, "Throttling", "Rate exceeded");
    public static final FakeStsFault INTERNAL_FAILURE = receiver(500, "InternalFailure", "An internal error occurred");
    public static final FakeStsFault SERVICE_UNAVAILABLE = receiver(503, "ServiceUnavailable", "Service unavailable");
    public static final FakeStsFault ACCESS_DENIED = sender(403, "AccessDenied",
            "User is not authorized to perform: sts:AssumeRole");
    public static final FakeStsFault INVALID_IDENTITY_TOKEN = sender(400, "InvalidIdentityToken",
            "Incorrect token audience");
    public static final FakeStsFault EXPIRED_TOKEN = sender(400, "ExpiredTokenException", "Token expired");
    public static final FakeStsFault IDP_REJECTED_CLAIM = sender(403, "IDPRejectedClaim", "Claim rejected");
    public static final FakeStsFault IDP_COMMUNICATION_ERROR = sender(400, "IDPCommunicationError",
            "Couldn't retrieve verification key from your identity provider");
    public static final FakeStsFault MALFORMED_POLICY = sender(400, "MalformedPolicyDocument", "Malformed policy");
    public static final FakeStsFault REGION_DISABLED = sender(403, "RegionDisabledException",
            "STS is not activated in this region");

    public static FakeStsFault sender(int status, String code, String message) {
        return new FakeStsFault(status, "Sender", code, message, Duration.ZERO);
    }

    public static FakeStsFault receiver(int status, String code, String message) {
        return new FakeStsFault(status, "Receiver", code, message, Duration.ZERO);
    }

    /** Answer normally, but only after {@code delay}. */
    public static FakeStsFault delay(Duration delay) {
        return new FakeStsFault(0, null, null, null, delay);
    }

    /** This fault, answered after {@code delay}. */
    public FakeStsFault after(Duration wait) {
        return new FakeStsFault(status, type, code, message, wait);
    }

    boolean isError() {
        return status > 0;
    }
}
