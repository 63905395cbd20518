package io.iamlet.credentials;

import io.iamlet.credentials.sts.StsResponse;
import io.iamlet.failure.Failure;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Calls STS for one role and converts its answer into our {@link Credentials}; the sources share this. */
final class StsCredentials {

    private StsCredentials() {
    }

    /**
     * Runs {@code call} (which builds the request and sends it) and converts the response. Whatever goes wrong,
     * thrown while building or sending, or failing the future, comes back as a failed future of the
     * {@link Failure} that {@link StsErrors#map} makes of it; a response without credentials is
     * {@code Unavailable}.
     *
     * @param action  the STS action, for messages ({@code AssumeRole})
     */
    static CompletableFuture<Credentials> fetch(String action, String roleArn, Clock clock,
                                                Supplier<CompletableFuture<StsResponse>> call) {
        try {
            return call.get().handle((response, error) -> {
                if (error != null) {
                    throw StsErrors.map(action, roleArn, error);
                }
                var issued = response.credentials();
                if (issued == null || issued.expiration() == null) {
                    throw new Failure.Unavailable("sts_error", "STS " + action + " for " + roleArn
                            + " answered without credentials");
                }
                return new Credentials(issued.accessKeyId(), issued.secretAccessKey(), issued.sessionToken(),
                        issued.expiration(), accountId(roleArn), response.requestId(), clock.instant());
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(StsErrors.map(action, roleArn, e));
        }
    }

    /** The account of {@code arn:<partition>:iam::<account>:role/<name>}, or null when the ARN is not like that. */
    static String accountId(String roleArn) {
        String[] parts = roleArn == null ? new String[0] : roleArn.split(":", 6);
        if (parts.length == 6 && parts[0].equals("arn") && parts[4].matches("\\d{12}")) {
            return parts[4];
        }
        return null;
    }
}
