package io.iamlet.metadata;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * iamlet's own IMDSv2 session tokens: stateless, HMAC-SHA256 signed with a key drawn at start and never stored, so a
 * restart invalidates every token (clients then get 401 and ask for a new one, as they do on a real instance).
 *
 * <p>Wire form: {@code base64url(version | expiry epoch-seconds | 8 random bytes) "." base64url(mac)}, where the MAC
 * covers the first part <em>and the caller's source IP</em>. The IP is not in the token; it is supplied again at
 * verification, so a token replayed from another address fails the MAC exactly like a forged one. The expiry is
 * checked only after the MAC, so nobody can learn anything from a forged expiry.
 */
final class ImdsTokens {

    /** IMDS's own bounds for {@code x-aws-ec2-metadata-token-ttl-seconds}. */
    static final int MIN_TTL = 1;
    static final int MAX_TTL = 21_600;

    private static final byte VERSION = 1;
    private static final int BODY_LENGTH = 1 + 8 + 8;
    private static final int MAX_TOKEN_LENGTH = 128;
    private static final String ALGORITHM = "HmacSHA256";

    enum Verdict { VALID, MALFORMED, INVALID, EXPIRED }

    private final SecureRandom random;
    private final Clock clock;
    /**
     * One keyed MAC per thread (event loops, prefetch): looking up a provider and initialising a {@link Mac} cost
     * more than the MAC itself. {@code doFinal} resets it for the next use; the key never leaves this object.
     */
    private final ThreadLocal<Mac> macs;

    ImdsTokens(Clock clock, SecureRandom random) {
        this.clock = clock;
        this.random = random;
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        SecretKeySpec key = new SecretKeySpec(secret, ALGORITHM);
        this.macs = ThreadLocal.withInitial(() -> newMac(key));
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** A token for {@code sourceIp}, valid for {@code ttlSeconds} (already checked to be within bounds). */
    String issue(String sourceIp, int ttlSeconds) {
        byte[] nonce = new byte[8];
        random.nextBytes(nonce);
        byte[] body = ByteBuffer.allocate(BODY_LENGTH).put(VERSION)
                .putLong(clock.instant().getEpochSecond() + ttlSeconds).put(nonce).array();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(body) + "." + b64.encodeToString(mac(body, sourceIp));
    }

    Verdict verify(String token, String sourceIp) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Verdict.MALFORMED;
        }
        int dot = token.indexOf('.');
        byte[] body;
        byte[] signature;
        try {
            body = Base64.getUrlDecoder().decode(token.substring(0, Math.max(dot, 0)));
            signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Verdict.MALFORMED;
        }
        if (dot < 0 || body.length != BODY_LENGTH || body[0] != VERSION) {
            return Verdict.MALFORMED;
        }
        if (!MessageDigest.isEqual(signature, mac(body, sourceIp))) {
            return Verdict.INVALID;
        }
        long expiry = ByteBuffer.wrap(body, 1, 8).getLong();
        return clock.instant().getEpochSecond() < expiry ? Verdict.VALID : Verdict.EXPIRED;
    }

    /**
     * The TTL a token request asks for, or -1 when the header is missing or not an integer in 1..21600. Digits
     * only: no sign, no spaces, no exponent (IMDS answers 400 to all of those).
     */
    static int ttl(String header) {
        if (header == null || header.isEmpty() || header.length() > 5) {
            return -1;
        }
        for (int i = 0; i < header.length(); i++) {
            if (header.charAt(i) < '0' || header.charAt(i) > '9') {
                return -1;
            }
        }
        int ttl = Integer.parseInt(header);
        return ttl >= MIN_TTL && ttl <= MAX_TTL ? ttl : -1;
    }

    private byte[] mac(byte[] body, String sourceIp) {
        Mac mac = macs.get();
        mac.update(body);
        mac.update((byte) 0);
        return mac.doFinal(sourceIp.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "ImdsTokens[key redacted]";
    }
}
