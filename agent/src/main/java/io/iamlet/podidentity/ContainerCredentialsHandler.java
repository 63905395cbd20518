package io.iamlet.podidentity;

import io.iamlet.credentials.Credentials;
import io.iamlet.credentials.CredentialsJson;
import io.iamlet.failure.Failure;
import io.iamlet.server.Handler;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/credentials}: checks that the {@code Authorization} header is present and plausible, asks the
 * {@link ContainerCredentialService}, renders the container JSON with {@code Cache-Control: no-store}.
 *
 * <p>The token is never echoed: error messages say what is wrong with it, not what it is.
 */
public final class ContainerCredentialsHandler implements Handler {

    /** Projected service-account tokens are 1-2 KB; anything far larger is not one. */
    static final int MAX_TOKEN_LENGTH = 4096;

    /** Built once: {@link Response}'s constructor keeps an immutable map as it is. */
    private static final Map<String, String> NO_STORE = Map.of("Cache-Control", "no-store");

    private final ContainerCredentialService service;

    public ContainerCredentialsHandler(ContainerCredentialService service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        String token = request.header("authorization");
        if (token == null || token.isBlank()) {
            return CompletableFuture.failedFuture(new Failure.BadRequest("missing_token",
                    "the Authorization header with the pod's service account token is missing"));
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            return CompletableFuture.failedFuture(new Failure.BadRequest("malformed_token",
                    "the Authorization header is longer than " + MAX_TOKEN_LENGTH + " characters"));
        }
        if (!printable(token)) {
            return CompletableFuture.failedFuture(new Failure.BadRequest("malformed_token",
                    "the Authorization header contains characters other than printable ASCII"));
        }
        try {
            CompletableFuture<Credentials> credentials = service.credentialsFor(request.sourceIp(), token);
            if (credentials.isDone() && !credentials.isCompletedExceptionally()) {
                return CompletableFuture.completedFuture(render(credentials.getNow(null)));
            }
            return credentials.thenApply(ContainerCredentialsHandler::render);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Response render(Credentials credentials) {
        Objects.requireNonNull(credentials, "the credential service answered no credentials");
        return new Response(200, "application/json", NO_STORE, CredentialsJson.container(credentials));
    }

    /**
     * Printable ASCII only: CR/LF and other controls mean a broken token file or an injection attempt. Read as the
     * token's ISO-8859-1 bytes, one array copy, because C1 (the image's only JIT) does not inline
     * {@link String#charAt} and this runs on every request's ~1 KB. A character above U+00FF becomes {@code '?'}
     * there, so a {@code '?'} is checked against the character itself.
     */
    private static boolean printable(String token) {
        byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length != token.length()) {
            return false; // a surrogate pair became one byte: not ASCII
        }
        for (int i = 0; i < bytes.length; i++) {
            byte c = bytes[i]; // signed: Latin-1's upper half is negative
            if (c < 0x20 || c > 0x7e || (c == '?' && token.charAt(i) != '?')) {
                return false;
            }
        }
        return true;
    }
}
