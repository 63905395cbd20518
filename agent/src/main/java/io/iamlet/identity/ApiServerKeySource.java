package io.iamlet.identity;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.text.ParseException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Fetches the service-account issuer's documents from the API server itself: {@code /openid/v1/jwks} (the keys)
 * and {@code /.well-known/openid-configuration} (the issuer). Both are non-resource URLs; the agent's service account
 * needs {@code get} on them (the built-in ClusterRole {@code system:service-account-issuer-discovery} grants it).
 *
 * <p>The fabric8 call is blocking, so it runs on the injected executor (the bounded pool of API-server calls), never
 * on the caller's thread; when that pool's queue is full the load fails at once ({@code overloaded}). The
 * discovery document's {@code jwks_uri} is deliberately not followed: it names the issuer's public address, which a
 * node may not reach, while the API server serves the same keys at a fixed path.
 */
public final class ApiServerKeySource implements KeySource {

    static final String JWKS_PATH = "/openid/v1/jwks";
    static final String DISCOVERY_PATH = "/.well-known/openid-configuration";

    private final KubernetesClient client;
    private final Executor executor;

    /**
     * @param client   the agent's API client (its credentials must allow GET on the two paths)
     * @param executor where the blocking HTTP calls run
     */
    public ApiServerKeySource(KubernetesClient client, Executor executor) {
        this.client = FailFast.view(Objects.requireNonNull(client, "client"));
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    @Override
    public CompletableFuture<KeyMaterial> load() {
        return Offload.supply(this::fetch, executor, "loading the signing keys");
    }

    private KeyMaterial fetch() {
        String jwks = client.raw(JWKS_PATH); // null on 404, KubernetesClientException on other errors
        if (jwks == null) {
            throw new IllegalStateException("the API server does not serve " + JWKS_PATH);
        }
        JWKSet keys;
        try {
            keys = JWKSet.parse(jwks);
        } catch (ParseException e) {
            throw new IllegalStateException("the API server's " + JWKS_PATH + " is not a JWK set", e);
        }
        String discovery = client.raw(DISCOVERY_PATH);
        return new KeyMaterial(discovery == null ? null : issuerOf(discovery), keys);
    }

    private static String issuerOf(String discovery) {
        try {
            String issuer = JSONObjectUtils.getString(JSONObjectUtils.parse(discovery), "issuer");
            if (issuer == null || issuer.isBlank()) {
                throw new IllegalStateException("the API server's " + DISCOVERY_PATH + " names no issuer");
            }
            return issuer;
        } catch (ParseException e) {
            throw new IllegalStateException("the API server's " + DISCOVERY_PATH + " is not a JSON object", e);
        }
    }
}
