package io.iamlet.identity;

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

    /** One digest object per thread (event loops and the verification pool): no provider look-up per request. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    });

    static TokenDigest of(String token) {
        MessageDigest sha = SHA_256.get();
        // Tokens are checked to be printable ASCII (Latin-1 = UTF-8 there); UTF-8 keeps any other string distinct.
        byte[] digest = sha.digest(token.getBytes(StandardCharsets.UTF_8));
        ByteBuffer bits = ByteBuffer.wrap(digest);
        return new TokenDigest(bits.getLong(), bits.getLong(), bits.getLong(), bits.getLong());
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
