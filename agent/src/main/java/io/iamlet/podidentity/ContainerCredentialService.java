package io.iamlet.podidentity;

import io.iamlet.credentials.Credentials;
import java.util.concurrent.CompletableFuture;

/**
 * What the container endpoint needs from the rest of iamlet: credentials for the pod at {@code sourceIp} that
 * presents {@code authorizationHeader} (its projected service-account token, raw, no {@code Bearer}). Must not
 * block; fails with a {@link io.iamlet.failure.Failure}.
 */
@FunctionalInterface
public interface ContainerCredentialService {
    CompletableFuture<Credentials> credentialsFor(String sourceIp, String authorizationHeader);
}
