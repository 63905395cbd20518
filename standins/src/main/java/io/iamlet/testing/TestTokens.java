package io.iamlet.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Test fixture: a stand-in for a cluster's service-account issuer. Holds RSA and EC signing keys, serves the JWKS
 * and OpenID discovery documents, and mints projected-style tokens, honest or malicious.
 *
 * <pre>{@code
 * TestTokens tokens = TestTokens.forIssuer("https://kubernetes.default.svc");
 * tokens.serveDiscovery(mockServer);                 // /openid/v1/jwks and /.well-known/openid-configuration
 * String token = tokens.token("team-a", "web-0", podUid, "web", saUid);
 * String expired = tokens.builder().expiresAt(Instant.now().minusSeconds(600)).sign();
 * String forged = tokens.builder().hs256WithPublicKey();
 * }</pre>
 *
 * <p>The default keys ({@code rsa-1}, {@code ec-1}) are generated once per JVM and shared by every instance, so
 * creating fixtures is cheap. Instances are immutable; {@link #withClock} and {@link #withNewRsaKey} return copies.
 */
public final class TestTokens {

    public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc";
    public static final String DEFAULT_AUDIENCE = "pods.eks.amazonaws.com";
    public static final String RSA_KID = "rsa-1";
    public static final String EC_KID = "ec-1";
    public static final String JWKS_PATH = "/openid/v1/jwks";
    public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";

    private static final class SharedKeys {
        static final RSAKey RSA = newRsaKey(RSA_KID);
        static final ECKey EC = newEcKey(EC_KID);
    }

    private final String issuer;
    private final Clock clock;
    private final List<JWK> keys; // private keys; the JWKS publishes their public halves

    private TestTokens(String issuer, Clock clock, List<JWK> keys) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keys = List.copyOf(keys);
    }

    /** A fixture for {@code issuer} with the shared {@code rsa-1} and {@code ec-1} keys and the system clock. */
    public static TestTokens forIssuer(String issuer) {
        return new TestTokens(issuer, Clock.systemUTC(), List.of(SharedKeys.RSA, SharedKeys.EC));
    }

    /** {@link #forIssuer} with {@link #DEFAULT_ISSUER}. */
    public static TestTokens standard() {
        return forIssuer(DEFAULT_ISSUER);
    }

    /** The same keys and issuer; {@code iat}/{@code nbf}/{@code exp} of new tokens follow {@code clock}. */
    public TestTokens withClock(Clock clock) {
        return new TestTokens(issuer, clock, keys);
    }

    /** A copy that also publishes and can sign with a freshly generated RSA key (key rotation tests). */
    public TestTokens withNewRsaKey(String kid) {
        List<JWK> more = new ArrayList<>(keys);
        more.add(newRsaKey(kid));
        return new TestTokens(issuer, clock, more);
    }

    public String issuer() {
        return issuer;
    }

    public Clock clock() {
        return clock;
    }

    /** The primary RSA key pair ({@code rsa-1}), private part included. */
    public RSAKey rsaKey() {
        return (RSAKey) key(RSA_KID);
    }

    /** The P-256 key pair ({@code ec-1}), private part included. */
    public ECKey ecKey() {
        return (ECKey) key(EC_KID);
    }

    /** The public JWK set with every key of this fixture. */
    public JWKSet jwks() {
        return new JWKSet(keys).toPublicJWKSet();
    }

    /** The public JWK set limited to {@code kids}. */
    public JWKSet jwks(String... kids) {
        var wanted = Arrays.asList(kids);
        return new JWKSet(keys.stream().filter(k -> wanted.contains(k.getKeyID())).toList()).toPublicJWKSet();
    }

    /** What the API server serves at {@code /openid/v1/jwks}. */
    public String jwksJson() {
        return jwks().toString();
    }

    /** What the API server serves at {@code /.well-known/openid-configuration}. */
    public String openIdConfigurationJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", issuer);
        doc.put("jwks_uri", issuer + JWKS_PATH);
        doc.put("response_types_supported", List.of("id_token"));
        doc.put("subject_types_supported", List.of("public"));
        doc.put("id_token_signing_alg_values_supported", List.of("RS256", "ES256"));
        return JSONObjectUtils.toJSONString(doc);
    }

    /** Makes {@code server} answer both discovery documents, for every request. */
    public void serveDiscovery(KubernetesMockServer server) {
        server.expect().get().withPath(JWKS_PATH).andReturn(200, jwksJson()).always();
        server.expect().get().withPath(DISCOVERY_PATH).andReturn(200, openIdConfigurationJson()).always();
    }

    /** A valid token (RS256, default audience, one hour) bound to the given pod. */
    public String token(String namespace, String pod, String podUid, String serviceAccount, String saUid) {
        return builder().namespace(namespace).pod(pod, podUid).serviceAccount(serviceAccount, saUid).sign();
    }

    /** A builder preset to a valid token; see {@link TokenBuilder}. */
    public TokenBuilder builder() {
        return new TokenBuilder(this);
    }

    JWK key(String kid) {
        return keys.stream().filter(k -> kid.equals(k.getKeyID())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no key " + kid + " in this fixture"));
    }

    static String sign(JWSHeader header, JWTClaimsSet claims, JWK key) {
        try {
            JWSSigner signer = switch (key) {
                case RSAKey rsa -> new RSASSASigner(rsa);
                case ECKey ec -> new ECDSASigner(ec);
                default -> throw new IllegalArgumentException("unsupported key type " + key.getKeyType());
            };
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hmac(JWSHeader header, JWTClaimsSet claims, byte[] secret) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM text of the public key: what a careless verifier would use as an HMAC secret. */
    public static byte[] publicKeyPem(RSAKey key) {
        try {
            String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(key.toRSAPublicKey().getEncoded());
            return ("-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n")
                    .getBytes(StandardCharsets.US_ASCII);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String unsignedJws(JWSHeader header, JWTClaimsSet claims) {
        return header.toBase64URL() + "." + Base64URL.encode(claims.toString()) + ".";
    }

    static RSAKey newRsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey newEcKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Builds one token. Defaults: RS256 signed by {@code rsa-1}, this fixture's issuer, audience
     * {@link #DEFAULT_AUDIENCE}, issued now, valid one hour, bound to pod {@code default/app-0} and service account
     * {@code default/app}, with the claims Kubernetes puts in projected tokens.
     */
    public static final class TokenBuilder {
        private final TestTokens fixture;
        private String namespace = "default";
        private String podName = "app-0";
        private String podUid = "8d5a4a0e-0000-4000-8000-00000000a001";
        private String saName = "app";
        private String saUid = "2c1f7b9e-0000-4000-8000-00000000b001";
        private String issuer;
        private List<String> audience = List.of(DEFAULT_AUDIENCE);
        private Instant issuedAt;
        private Instant notBefore;
        private Instant expiresAt;
        private Duration lifetime = Duration.ofHours(1);
        private boolean expiry = true;
        private JWSAlgorithm algorithm = JWSAlgorithm.RS256;
        private String signingKid;
        private String headerKid;
        private boolean kidInHeader = true;
        private boolean kubernetesClaims = true;
        private boolean podClaim = true;
        private String subject;
        private final Map<String, Object> extra = new LinkedHashMap<>();

        private TokenBuilder(TestTokens fixture) {
            this.fixture = fixture;
            this.issuer = fixture.issuer;
        }

        public TokenBuilder namespace(String value) { namespace = value; return this; }
        public TokenBuilder pod(String name, String uid) { podName = name; podUid = uid; return this; }
        public TokenBuilder serviceAccount(String name, String uid) { saName = name; saUid = uid; return this; }
        public TokenBuilder issuer(String value) { issuer = value; return this; }
        public TokenBuilder audience(String... values) { audience = List.of(values); return this; }
        public TokenBuilder issuedAt(Instant value) { issuedAt = value; return this; }
        public TokenBuilder notBefore(Instant value) { notBefore = value; return this; }
        public TokenBuilder expiresAt(Instant value) { expiresAt = value; return this; }
        /** exp = iat + lifetime (when no explicit {@link #expiresAt}). */
        public TokenBuilder lifetime(Duration value) { lifetime = value; return this; }
        public TokenBuilder withoutExpiry() { expiry = false; return this; }
        /** The header's {@code alg}; ES* picks the EC key unless {@link #signingKey} says otherwise. */
        public TokenBuilder algorithm(JWSAlgorithm value) { algorithm = value; return this; }
        /** Which fixture key signs; the header {@code kid} follows unless {@link #keyId} overrides it. */
        public TokenBuilder signingKey(String kid) { signingKid = kid; return this; }
        /** The header {@code kid} only; the signing key stays the same. */
        public TokenBuilder keyId(String kid) { headerKid = kid; kidInHeader = true; return this; }
        public TokenBuilder withoutKeyId() { kidInHeader = false; return this; }
        public TokenBuilder withoutKubernetesClaims() { kubernetesClaims = false; return this; }
        /** Drops {@code kubernetes.io.pod}: a token not bound to a pod. */
        public TokenBuilder withoutPod() { podClaim = false; return this; }
        public TokenBuilder subject(String value) { subject = value; return this; }
        public TokenBuilder claim(String name, Object value) { extra.put(name, value); return this; }

        /** An honest token, signed by the fixture's key. */
        public String sign() {
            return TestTokens.sign(header(algorithm), claims(), signingJwk());
        }

        /** {@code alg: none}, empty signature. */
        public String algNone() {
            String header = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();
            return header + "." + Base64URL.encode(claims().toString()) + ".";
        }

        /** HS256 with the RSA public key's PEM as the HMAC secret (the classic algorithm-confusion forgery). */
        public String hs256WithPublicKey() {
            return TestTokens.hmac(header(JWSAlgorithm.HS256), claims(), publicKeyPem(fixture.rsaKey()));
        }

        /** The honest header (RS256 and kid) but no signature at all. */
        public String unsigned() {
            return unsignedJws(header(algorithm), claims());
        }

        /** Signed by a key the cluster never published, under the fixture key's kid. */
        public String signedByUnknownKey() {
            JWK stranger = algorithm.getName().startsWith("ES") ? newEcKey("stranger") : newRsaKey("stranger");
            return TestTokens.sign(header(algorithm), claims(), stranger);
        }

        public JWTClaimsSet claims() {
            Instant now = fixture.clock.instant();
            Instant iat = issuedAt != null ? issuedAt : now;
            var b = new JWTClaimsSet.Builder()
                    .issuer(issuer)
                    .subject(subject != null ? subject : "system:serviceaccount:" + namespace + ":" + saName)
                    .audience(audience)
                    .issueTime(Date.from(iat))
                    .notBeforeTime(Date.from(notBefore != null ? notBefore : iat))
                    .jwtID(UUID.randomUUID().toString());
            if (expiry) {
                b.expirationTime(Date.from(expiresAt != null ? expiresAt : iat.plus(lifetime)));
            }
            if (kubernetesClaims) {
                Map<String, Object> k8s = new LinkedHashMap<>();
                k8s.put("namespace", namespace);
                k8s.put("node", Map.of("name", "node-1", "uid", "6b3f0c1d-0000-4000-8000-00000000c001"));
                if (podClaim) {
                    k8s.put("pod", Map.of("name", podName, "uid", podUid));
                }
                k8s.put("serviceaccount", Map.of("name", saName, "uid", saUid));
                b.claim("kubernetes.io", k8s);
            }
            extra.forEach(b::claim);
            return b.build();
        }

        private JWK signingJwk() {
            if (signingKid != null) {
                return fixture.key(signingKid);
            }
            return algorithm.getName().startsWith("ES") ? fixture.ecKey() : fixture.rsaKey();
        }

        private JWSHeader header(JWSAlgorithm alg) {
            var h = new JWSHeader.Builder(alg);
            if (kidInHeader) {
                h.keyID(headerKid != null ? headerKid : signingJwk().getKeyID());
            }
            return h.build();
        }
    }
}
