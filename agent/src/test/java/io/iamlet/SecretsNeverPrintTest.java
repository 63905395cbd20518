package io.iamlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.iamlet.audit.AuditEvent;
import io.iamlet.credentials.Credentials;
import io.iamlet.credentials.Identity;
import io.iamlet.identity.TokenClaims;
import io.iamlet.server.Request;
import io.iamlet.server.Response;
import io.iamlet.testing.TestTokens;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Redaction by construction: every type that holds a projected token, an IMDSv2 token, a secret key or a session
 * token is built here with known secrets, and printing it ({@code toString}, {@code String.valueOf}, as a log line or
 * an assertion message would) must show none of them. Package-private types are built reflectively: they are where
 * a secret sits longest (cache entries, parsed tokens), so they are the ones most worth checking.
 *
 * <p>A new type that holds a secret belongs in {@link #holders()}.
 */
class SecretsNeverPrintTest {

    private static final String TOKEN = TestTokens.standard().token("shop", "web-1", "uid-1", "web", "sa-uid");
    private static final String SIGNATURE = TOKEN.substring(TOKEN.lastIndexOf('.') + 1);
    private static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
    private static final String SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
    private static final String IMDS_TOKEN = "imds-session-token-secret-value";
    private static final byte[] HMAC_KEY_BYTE = {0x5a};
    private static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");

    private static final Credentials CREDENTIALS = new Credentials("ASIAEXAMPLE", SECRET_KEY, SESSION_TOKEN, EXPIRES,
            "111122223333", "req-1", EXPIRES.minusSeconds(3600));
    private static final Identity IDENTITY = new Identity("arn:aws:iam::111122223333:role/web", "shop", "web",
            "web-1", "uid-1", new Identity.WebIdentityToken(TOKEN));
    private static final Request REQUEST = new Request("GET", "/v1/credentials",
            "X-Amz-Security-Token=" + SESSION_TOKEN,
            Map.of("authorization", TOKEN, "x-aws-ec2-metadata-token", IMDS_TOKEN), "10.0.0.7",
            ("{\"SecretAccessKey\":\"" + SECRET_KEY + "\"}").getBytes(StandardCharsets.UTF_8));

    static Stream<Arguments> holders() {
        return Stream.of(
                holder("Request", () -> REQUEST),
                holder("Request.headers()", REQUEST::headers),
                holder("Response with a credentials body", () -> new Response(200, "application/json",
                        Map.of("Cache-Control", "no-store"), REQUEST.body())),
                holder("Identity", () -> IDENTITY),
                holder("Identity.WebIdentityToken", IDENTITY::token),
                holder("Credentials", () -> CREDENTIALS),
                holder("TokenClaims", () -> new TokenClaims("https://kubernetes.default.svc",
                        "system:serviceaccount:shop:web", "shop", "web-1", "uid-1", "web", "sa-uid", EXPIRES)),
                holder("AuditEvent", () -> AuditEvent.from("container", "10.0.0.7").pod("shop", "web-1", "web")
                        .role(IDENTITY.roleArn()).granted(true, "req-1", CREDENTIALS.accessKeyId())),
                holder("server.Inbound.Call", () -> construct("io.iamlet.server.Inbound$Call",
                        List.of(Request.class, HttpVersion.class, boolean.class), REQUEST, HttpVersion.HTTP_1_1,
                        true)),
                holder("credentials.CacheEntry.Live", () -> construct("io.iamlet.credentials.CacheEntry$Live",
                        List.of(Credentials.class, Class.forName("io.iamlet.credentials.CacheEntry$Slot")),
                        CREDENTIALS, construct("io.iamlet.credentials.CacheEntry$Slot",
                                List.of(Identity.class, long.class), IDENTITY, 0L))),
                holder("metadata.ImdsTokens", () -> construct("io.iamlet.metadata.ImdsTokens",
                        List.of(Clock.class, SecureRandom.class), Clock.systemUTC(), new FixedRandom())),
                holder("metadata.UpstreamMetadata.Token", () -> construct(
                        "io.iamlet.metadata.UpstreamMetadata$Token", List.of(String.class, Instant.class),
                        IMDS_TOKEN, EXPIRES)),
                holder("credentials.sts.AwsKeys", () -> new io.iamlet.credentials.sts.AwsKeys("ASIAEXAMPLE",
                        SECRET_KEY, SESSION_TOKEN, EXPIRES)),
                holder("credentials.sts.NodeKeys.fixed", () -> io.iamlet.credentials.sts.NodeKeys.fixed(
                        new io.iamlet.credentials.sts.AwsKeys("ASIAEXAMPLE", SECRET_KEY, SESSION_TOKEN, EXPIRES))),
                holder("credentials.sts.StsClient.Call", () -> new io.iamlet.credentials.sts.StsClient.Call(
                        new io.iamlet.credentials.sts.AwsKeys("ASIAEXAMPLE", SECRET_KEY, SESSION_TOKEN, EXPIRES),
                        null)),
                holder("credentials.sts.StsRequest", () -> io.iamlet.credentials.sts.StsRequest
                        .of("AssumeRoleWithWebIdentity").param("WebIdentityToken", TOKEN)),
                holder("credentials.sts.StsResponse", () -> new io.iamlet.credentials.sts.StsResponse(
                        new io.iamlet.credentials.sts.AwsKeys("ASIAEXAMPLE", SECRET_KEY, SESSION_TOKEN, EXPIRES),
                        "arn:aws:sts::111122223333:assumed-role/web/s", "111122223333", "req-1")),
                holder("credentials.StsProxy.ProxyConfiguration", () -> invokeStatic2(
                        "io.iamlet.credentials.StsProxy", "resolve",
                        Map.of("HTTPS_PROXY", "http://user:" + SESSION_TOKEN + "@proxy:3128"))),
                holder("identity.TokenDigest", () -> invokeStatic("io.iamlet.identity.TokenDigest", "of", TOKEN)),
                holder("identity.ProjectedTokens.Parsed", () -> {
                    SignedJWT jwt = SignedJWT.parse(TOKEN);
                    return construct("io.iamlet.identity.ProjectedTokens$Parsed",
                            List.of(SignedJWT.class, JWTClaimsSet.class), jwt, jwt.getJWTClaimsSet());
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("holders")
    void printingNeverShowsASecret(String type, Callable<Object> build) throws Exception {
        Object holder = build.call();

        for (String printed : List.of(holder.toString(), String.valueOf(holder))) {
            assertThat(printed).as("%s printed", type)
                    .doesNotContain(TOKEN, SIGNATURE, SECRET_KEY, SESSION_TOKEN, IMDS_TOKEN)
                    .doesNotContain(hmacKeyForms());
        }
    }

    private static Arguments holder(String type, Callable<Object> build) {
        return Arguments.of(type, build);
    }

    /** The IMDSv2 HMAC key drawn from {@link FixedRandom}, as hex and as Base64. */
    private static String[] hmacKeyForms() {
        byte[] key = new byte[32];
        Arrays.fill(key, HMAC_KEY_BYTE[0]);
        return new String[] {HexFormat.of().formatHex(key), java.util.Base64.getEncoder().encodeToString(key)};
    }

    /** Draws a known HMAC key, so the test can look for it in what is printed. */
    private static final class FixedRandom extends SecureRandom {
        @Override
        public void nextBytes(byte[] bytes) {
            Arrays.fill(bytes, HMAC_KEY_BYTE[0]);
        }
    }

    private static Object construct(String className, List<Class<?>> types, Object... args) throws Exception {
        Constructor<?> constructor = Class.forName(className).getDeclaredConstructor(types.toArray(Class<?>[]::new));
        constructor.setAccessible(true);
        return constructor.newInstance(args);
    }

    /** {@code StsProxy.resolve(env, no system properties)}, unwrapped from its Optional. */
    private static Object invokeStatic2(String className, String method, Map<String, String> env) throws Exception {
        Method m = Class.forName(className).getDeclaredMethod(method, Map.class, java.util.Properties.class);
        m.setAccessible(true);
        return ((java.util.Optional<?>) m.invoke(null, env, new java.util.Properties())).orElseThrow();
    }

    private static Object invokeStatic(String className, String method, String arg) throws Exception {
        Method m = Class.forName(className).getDeclaredMethod(method, String.class);
        m.setAccessible(true);
        return m.invoke(null, arg);
    }
}
