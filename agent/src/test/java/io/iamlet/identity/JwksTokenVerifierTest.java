package io.iamlet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.SignedJWT;
import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.iamlet.testing.TestTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class JwksTokenVerifierTest {

    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    final ManualTime time = new ManualTime(T0);
    final TestTokens tokens = TestTokens.standard().withClock(time);
    final FakeKeySource keySource = new FakeKeySource(tokens.issuer(), tokens.jwks());
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final JwksTokenVerifier verifier = new JwksTokenVerifier(keySource, JwksTokenVerifier.Settings.defaults(),
            Runnable::run, time, time, registry);

    @Test
    void acceptsProjectedTokenAndReturnsItsPodBinding() {
        String token = tokens.token("team-a", "web-0", "pod-uid-1", "web", "sa-uid-1");

        TokenClaims claims = verifier.verify(token).join();

        assertThat(claims).isEqualTo(new TokenClaims(TestTokens.DEFAULT_ISSUER,
                "system:serviceaccount:team-a:web", "team-a", "web-0", "pod-uid-1", "web", "sa-uid-1",
                T0.plus(Duration.ofHours(1))));
        assertThat(verifier.ready()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256"})
    void acceptsEveryAsymmetricAlgorithm(String alg) {
        String token = tokens.builder().algorithm(JWSAlgorithm.parse(alg)).sign();

        assertThat(verifier.verify(token).join().podName()).isEqualTo("app-0");
    }

    @Test
    void toleratesExpiryWithinClockSkew() {
        String token = tokens.builder().issuedAt(T0.minus(Duration.ofHours(1)))
                .expiresAt(T0.minusSeconds(30)).sign();

        assertThat(verifier.verify(token).join().expiresAt()).isEqualTo(T0.minusSeconds(30));
    }

    @Test
    void toleratesIssueTimeSlightlyAheadOfOurClock() {
        String token = tokens.builder().issuedAt(T0.plusSeconds(45)).sign();

        assertThat(verifier.verify(token)).isCompleted();
    }

    @Test
    void acceptsTokenWithoutKeyIdWhenAPublishedKeyVerifiesIt() {
        String token = tokens.builder().withoutKeyId().sign();

        assertThat(verifier.verify(token).join().namespace()).isEqualTo("default");
    }

    static Stream<Arguments> untrustworthyTokens() {
        return Stream.of(
                rejected("expired", t -> t.builder().issuedAt(T0.minus(Duration.ofHours(1)))
                        .expiresAt(T0.minusSeconds(61)).sign(), "token_expired"),
                rejected("wrong audience", t -> t.builder().audience("sts.amazonaws.com").sign(), "wrong_audience"),
                rejected("no audience", t -> t.builder().audience().sign(), "wrong_audience"),
                rejected("wrong issuer", t -> t.builder().issuer("https://evil.example").sign(), "wrong_issuer"),
                rejected("alg none", t -> t.builder().algNone(), "alg_not_allowed"),
                rejected("HS256 with the public key as secret", t -> t.builder().hs256WithPublicKey(),
                        "alg_not_allowed"),
                rejected("unsigned", t -> t.builder().unsigned(), "bad_signature"),
                rejected("signed by another key under our kid", t -> t.builder().signedByUnknownKey(),
                        "bad_signature"),
                rejected("EC forgery under our EC kid", t -> t.builder().algorithm(JWSAlgorithm.ES256)
                        .signedByUnknownKey(), "bad_signature"),
                rejected("signature of another token", JwksTokenVerifierTest::spliced, "bad_signature"),
                rejected("encrypted (JWE)", JwksTokenVerifierTest::encrypted, "alg_not_allowed"),
                rejected("not yet valid", t -> t.builder().notBefore(T0.plus(Duration.ofMinutes(5))).sign(),
                        "token_not_yet_valid"),
                rejected("issued in the future", t -> t.builder().issuedAt(T0.plus(Duration.ofMinutes(5))).sign(),
                        "token_not_yet_valid"),
                rejected("no expiry", t -> t.builder().withoutExpiry().sign(), "missing_claims"),
                rejected("no kubernetes.io claim", t -> t.builder().withoutKubernetesClaims().sign(),
                        "missing_claims"),
                rejected("not bound to a pod", t -> t.builder().withoutPod().sign(), "missing_claims"),
                rejected("subject of another service account", t -> t.builder()
                        .subject("system:serviceaccount:kube-system:admin").sign(), "missing_claims"),
                rejected("kid the cluster does not publish", t -> t.builder().keyId("rsa-unknown").sign(),
                        "unknown_key"),
                rejected("RSA signature under the EC kid", t -> t.builder().keyId(TestTokens.EC_KID).sign(),
                        "unknown_key"));
    }

    private static Arguments rejected(String name, Function<TestTokens, String> mint, String reason) {
        return Arguments.argumentSet(name, mint, reason);
    }

    @ParameterizedTest
    @MethodSource("untrustworthyTokens")
    void rejectsUntrustworthyTokenAsUnauthenticated(Function<TestTokens, String> mint, String reason) {
        String token = mint.apply(tokens);

        Failure failure = failureOf(verifier.verify(token));

        assertThat(failure).isInstanceOf(Failure.Unauthenticated.class);
        assertThat(failure.status()).isEqualTo(401);
        assertThat(failure.reason()).isEqualTo(reason);
        assertRevealsNothingOf(token, failure);
        assertThat(registry.get("iamlet.token.verifications").tag("outcome", "rejected").tag("reason", reason)
                .counter().count()).isEqualTo(1);
    }

    static Stream<Arguments> garbage() {
        String header = Base64URL.encode("{\"alg\":\"RS256\"}").toString();
        return Stream.of(
                Arguments.argumentSet("one word", "hello", "malformed"),
                Arguments.argumentSet("two segments", header + ".eyJzdWIiOiJ4In0", "malformed"),
                Arguments.argumentSet("not base64", "!!!.@@@.###", "malformed"),
                Arguments.argumentSet("header not JSON", "bm90anNvbg.e30.c2ln", "malformed"),
                Arguments.argumentSet("payload not JSON", header + ".bm90anNvbg.c2ln", "malformed"),
                Arguments.argumentSet("Bearer prefix", "Bearer " + header + ".e30.c2ln", "malformed"),
                Arguments.argumentSet("huge", "a".repeat(17 * 1024), "token_too_large"),
                Arguments.argumentSet("huge but well-formed", header + "." + "e".repeat(16 * 1024) + ".c2ln",
                        "token_too_large"));
    }

    @ParameterizedTest
    @MethodSource("garbage")
    void rejectsGarbageAsBadRequest(String garbage, String reason) {
        Failure failure = failureOf(verifier.verify(garbage));

        assertThat(failure).isInstanceOf(Failure.BadRequest.class);
        assertThat(failure.status()).isEqualTo(400);
        assertThat(failure.reason()).isEqualTo(reason);
        assertRevealsNothingOf(garbage, failure);
    }

    @ParameterizedTest
    @NullAndEmptySource
    void rejectsMissingTokenAsBadRequest(String nothing) {
        assertThat(failureOf(verifier.verify(nothing))).isInstanceOf(Failure.BadRequest.class);
    }

    @Test
    void requiresTheConfiguredAudience() {
        var custom = new JwksTokenVerifier(keySource, JwksTokenVerifier.Settings.defaults()
                .withAudience("iamlet"), Runnable::run, time, time, registry);

        assertThat(custom.verify(tokens.builder().audience("iamlet", "other").sign())).isCompleted();
        assertThat(failureOf(custom.verify(tokens.builder().sign())).reason()).isEqualTo("wrong_audience");
    }

    @Test
    void countsAcceptedVerificationsByReason() {
        String token = tokens.builder().sign();
        verifier.verify(token).join();
        verifier.verify(token).join();

        assertThat(registry.get("iamlet.token.verifications").tag("reason", "verified").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("iamlet.token.verifications").tag("reason", "cache_hit").counter().count())
                .isEqualTo(1);
    }

    @Test
    void theHs256ForgeryWouldFoolAVerifierThatTrustsTheHeaderAlgorithm() throws Exception {
        var forged = SignedJWT.parse(tokens.builder().hs256WithPublicKey());

        assertThat(forged.verify(new MACVerifier(TestTokens.publicKeyPem(tokens.rsaKey())))).isTrue();
        assertThat(failureOf(verifier.verify(forged.serialize())).reason()).isEqualTo("alg_not_allowed");
    }

    @Test
    void rejectedTokensLeaveNothingOnStderr() {
        try (var caffeine = new CaffeineLog()) {
            failureOf(verifier.verify("not-a-jwt"));
            failureOf(verifier.verify(spliced(tokens)));
            failureOf(verifier.verify(tokens.builder().expiresAt(T0.minus(Duration.ofHours(1)))
                    .issuedAt(T0.minus(Duration.ofHours(2))).sign()));

            assertThat(caffeine.messages()).isEmpty();
        }
    }

    @Test
    void aRejectedTokenIsVerifiedAgainNotServedFromTheCache() {
        keySource.goUnreachable();
        var noKeys = new JwksTokenVerifier(keySource, JwksTokenVerifier.Settings.defaults(), Runnable::run, time,
                time, registry);
        String token = tokens.builder().sign();
        assertThat(failureOf(noKeys.verify(token)).reason()).isEqualTo("jwks_unavailable");

        keySource.serve(tokens.jwks());
        time.advance(Duration.ofSeconds(3)); // past the retry interval after a failed key load

        assertThat(noKeys.verify(token).join().podName()).isEqualTo("app-0");
    }

    @Test
    void aTokenAlteredInItsSignatureRightAfterTheGenuineOneIsVerifiedOnItsOwn() {
        String genuine = tokens.builder().sign();
        verifier.verify(genuine).join(); // verified, cached, and the last token this thread digested
        verifier.verify(genuine).join(); // from the cache

        // Not the last character: its low bits are padding, which a base64url decoder may ignore.
        int at = genuine.length() - 10;
        String altered = genuine.substring(0, at) + (genuine.charAt(at) == 'A' ? 'B' : 'A') + genuine.substring(at + 1);

        assertThat(failureOf(verifier.verify(altered)).reason()).isEqualTo("bad_signature");
        assertThat(verifier.verify(genuine).join().podName()).isEqualTo("app-0");
    }

    @Test
    void twoPodsTakingTurnsEachGetTheirOwnClaims() {
        String a = tokens.token("team-a", "web-0", "pod-uid-1", "web", "sa-uid-1");
        String b = tokens.token("team-b", "web-0", "pod-uid-2", "web", "sa-uid-2");

        for (int i = 0; i < 3; i++) {
            assertThat(verifier.verify(a).join().namespace()).isEqualTo("team-a");
            assertThat(verifier.verify(b).join().namespace()).isEqualTo("team-b");
            assertThat(verifier.verify(b).join().podUid()).isEqualTo("pod-uid-2");
        }
    }

    @Test
    void aFullVerificationQueueIsAPrompt503() {
        Executor full = task -> {
            throw new RejectedExecutionException("queue full");
        };
        var busy = new JwksTokenVerifier(keySource, JwksTokenVerifier.Settings.defaults(), full, time, time,
                registry);

        Failure failure = failureOf(busy.verify(tokens.builder().sign()));

        assertThat(failure).isInstanceOf(Failure.Unavailable.class);
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.reason()).isEqualTo("overloaded");
        assertThat(registry.get("iamlet.token.verifications").tag("outcome", "unavailable")
                .tag("reason", "overloaded").counter().count()).isEqualTo(1);
    }

    static Failure failureOf(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        Throwable error = future.handle((v, e) -> e).join();
        return Failure.find(error).orElseThrow(() -> new AssertionError("not a Failure", error));
    }

    /** Neither the token nor any of its segments appears in the message. */
    static void assertRevealsNothingOf(String token, Failure failure) {
        assertThat(failure.getMessage()).doesNotContain(token);
        for (String part : token.split("\\.")) {
            if (part.length() >= 8) {
                assertThat(failure.getMessage()).doesNotContain(part);
            }
        }
        assertThat(failure.toString()).doesNotContain(token);
    }

    /** Header and payload of one honest token with the signature of another. */
    private static String spliced(TestTokens t) {
        String[] mine = t.builder().namespace("kube-system").sign().split("\\.");
        String[] other = t.builder().sign().split("\\.");
        return mine[0] + "." + mine[1] + "." + other[2];
    }

    private static String encrypted(TestTokens t) {
        try {
            var jwe = new EncryptedJWT(new JWEHeader(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM),
                    t.builder().claims());
            jwe.encrypt(new RSAEncrypter(t.rsaKey().toRSAPublicKey()));
            return jwe.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
