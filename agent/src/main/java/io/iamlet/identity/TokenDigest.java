package io.iamlet.identity;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of a token, as the key of the verified-token cache: the cache never holds the token itself, and two
 * tokens map to the same key only through a SHA-256 collision. Kept as the 256 raw bits (four longs) rather than
 * hex text: no string to build per request, and equality is four comparisons.
 */
record TokenDigest(long a, long b, long c, long d) {

    /**
     * Per thread (event loops and the verification pool): one digest object, so no provider look-up per request,
     * and the last token it digested with its digest.
     *
     * <p>An SDK that asks again (a keep-alive connection, an application that builds a client per call) sends the
     * same token every time, and SHA-256 of a ~1 KB token was a tenth of a cached request's CPU under C1, which has
     * no SHA intrinsic. So a token equal to the thread's last one reuses its digest. The comparison is
     * {@link MessageDigest#isEqual}, whose time does not depend on where two tokens of one length differ: a caller
     * learns only whether it sent the very token another sent last, which it can only do by holding that token.
     * What a thread keeps is one token, the one it last served, as the request itself did a moment before.
     *
     * <p>Netty's {@link FastThreadLocal}: on the event loops it is an index into the thread's own table, where a
     * {@link ThreadLocal} look-up hashes into a map (0.7 % of a cached request's CPU under C1); on other threads it
     * falls back to a {@link ThreadLocal}.
     */
    private static final FastThreadLocal<Digester> DIGESTER = new FastThreadLocal<>() {
        @Override
        protected Digester initialValue() {
            return new Digester();
        }
    };

    static TokenDigest of(String token) {
        // Tokens are checked to be printable ASCII (Latin-1 = UTF-8 there); UTF-8 keeps any other string distinct.
        return DIGESTER.get().digest(token.getBytes(StandardCharsets.UTF_8));
    }

    private static final class Digester {
        private final MessageDigest sha;
        private byte[] lastToken;
        private TokenDigest lastDigest;

        Digester() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }

        TokenDigest digest(byte[] token) {
            if (lastToken != null && MessageDigest.isEqual(lastToken, token)) {
                return lastDigest;
            }
            ByteBuffer bits = ByteBuffer.wrap(sha.digest(token));
            TokenDigest digest = new TokenDigest(bits.getLong(), bits.getLong(), bits.getLong(), bits.getLong());
            lastToken = token;
            lastDigest = digest;
            return digest;
        }
    }

    // equals and hashCode written out: a record's generated ones go through method handles, which C1 (the image's
    // only JIT) does not inline; this key is compared on every request.
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenDigest t && a == t.a && b == t.b && c == t.c && d == t.d;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(a); // 64 bits of SHA-256: uniformly spread already
    }

    /** Hex digits of the first 64 bits only: enough to tell entries apart in a debugger, never the token. */
    @Override
    public String toString() {
        return "TokenDigest[" + Long.toHexString(a) + "...]";
    }
}
