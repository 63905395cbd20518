package io.iamlet.identity;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import io.iamlet.failure.Failure;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of projected-token verification that need no keys: structural parsing with the algorithm allow-list, and
 * the claim checks that follow a good signature.
 *
 * <p>Every failure message is a fixed sentence: nothing from the token (not even its {@code kid}) is echoed, so
 * neither a token nor attacker-chosen text reaches a response body or a log line.
 */
final class ProjectedTokens {

    /** Larger than any real projected token (about 1 KiB) by far; bounds the work an anonymous caller can cause. */
    static final int MAX_TOKEN_CHARS = 16 * 1024;

    /** Asymmetric signatures only: HS* would let anyone holding the public key forge tokens; none is no signature. */
    static final Set<JWSAlgorithm> ALLOWED_ALGORITHMS = Set.of(
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    static final String K8S_CLAIM = "kubernetes.io";

    private ProjectedTokens() {
    }

    /** A structurally valid JWS with an allowed algorithm, not yet verified. */
    record Parsed(SignedJWT jwt, JWTClaimsSet claims) {
        JWSAlgorithm algorithm() {
            return jwt.getHeader().getAlgorithm();
        }

        String keyId() {
            return jwt.getHeader().getKeyID();
        }
    }

    /** Refuses an empty or oversized token before any other work (even hashing). */
    static void requireSize(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new Failure.BadRequest("malformed", "the token is empty");
        }
        if (raw.length() > MAX_TOKEN_CHARS) {
            throw new Failure.BadRequest("token_too_large", "the token is larger than 16 KiB");
        }
    }

    static Parsed parse(String raw) {
        requireSize(raw);
        JWT jwt;
        try {
            jwt = JWTParser.parse(raw);
        } catch (ParseException | RuntimeException e) {
            if (raw.endsWith(".") && raw.chars().filter(c -> c == '.').count() == 2) {
                // header.payload. with a signing alg: nimbus refuses the empty signature while parsing
                throw new Failure.Unauthenticated("bad_signature", "the token carries no signature");
            }
            throw new Failure.BadRequest("malformed", "the token is not a JWT");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw new Failure.Unauthenticated("alg_not_allowed", jwt instanceof EncryptedJWT
                    ? "encrypted tokens are not accepted" : "unsigned tokens are not accepted");
        }
        if (!ALLOWED_ALGORITHMS.contains(signed.getHeader().getAlgorithm())) {
            throw new Failure.Unauthenticated("alg_not_allowed", "the token's signature algorithm is not accepted");
        }
        try {
            return new Parsed(signed, signed.getJWTClaimsSet());
        } catch (ParseException | RuntimeException e) {
            throw new Failure.BadRequest("malformed", "the token's payload is not a JSON claims set");
        }
    }

    /** Checks the claims of a token whose signature is good, and extracts the pod binding. */
    static TokenClaims check(JWTClaimsSet claims, String issuer, String audience, Instant now, Duration skew) {
        if (!issuer.equals(claims.getIssuer())) {
            throw new Failure.Unauthenticated("wrong_issuer", "the token was not issued by this cluster");
        }
        List<String> audiences = claims.getAudience();
        if (audiences == null || !audiences.contains(audience)) {
            throw new Failure.Unauthenticated("wrong_audience",
                    "the token's audience does not include " + audience);
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new Failure.Unauthenticated("missing_claims", "the token has no expiry");
        }
        if (now.isAfter(exp.toInstant().plus(skew))) {
            throw new Failure.Unauthenticated("token_expired", "the token has expired");
        }
        Date nbf = claims.getNotBeforeTime();
        Date iat = claims.getIssueTime();
        Instant latestAcceptable = now.plus(skew);
        if ((nbf != null && nbf.toInstant().isAfter(latestAcceptable))
                || (iat != null && iat.toInstant().isAfter(latestAcceptable))) {
            throw new Failure.Unauthenticated("token_not_yet_valid", "the token is not valid yet");
        }
        return podBinding(claims, exp.toInstant());
    }

    private static TokenClaims podBinding(JWTClaimsSet claims, Instant expiresAt) {
        Map<String, Object> k8s;
        try {
            k8s = claims.getJSONObjectClaim(K8S_CLAIM);
        } catch (ParseException e) {
            k8s = null;
        }
        if (k8s == null) {
            throw missingClaims();
        }
        String namespace = text(k8s.get("namespace"));
        Map<?, ?> pod = k8s.get("pod") instanceof Map<?, ?> m ? m : Map.of();
        Map<?, ?> sa = k8s.get("serviceaccount") instanceof Map<?, ?> m ? m : Map.of();
        String podName = text(pod.get("name"));
        String podUid = text(pod.get("uid"));
        String saName = text(sa.get("name"));
        String saUid = text(sa.get("uid"));
        if (namespace == null || podName == null || podUid == null || saName == null || saUid == null) {
            throw missingClaims();
        }
        String subject = claims.getSubject();
        if (!("system:serviceaccount:" + namespace + ":" + saName).equals(subject)) {
            throw new Failure.Unauthenticated("missing_claims",
                    "the token's subject does not match its service account");
        }
        return new TokenClaims(claims.getIssuer(), subject, namespace, podName, podUid, saName, saUid, expiresAt);
    }

    private static Failure missingClaims() {
        return new Failure.Unauthenticated("missing_claims",
                "the token is not bound to a pod (kubernetes.io namespace, pod and serviceaccount claims required)");
    }

    private static String text(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }
}
