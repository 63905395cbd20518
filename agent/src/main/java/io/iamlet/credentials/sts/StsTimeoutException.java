package io.iamlet.credentials.sts;

import java.time.Duration;

/** An attempt, or the whole call with its retries, ran out of time. */
public final class StsTimeoutException extends RuntimeException {

    private final boolean wholeCall;

    StsTimeoutException(boolean wholeCall, Duration limit) {
        super((wholeCall ? "the STS call" : "an STS attempt") + " did not complete within " + limit.toMillis()
                + " ms", null, false, false);
        this.wholeCall = wholeCall;
    }

    /** True for the call's budget, false for one attempt's. */
    public boolean wholeCall() {
        return wholeCall;
    }
}
