package io.iamlet.identity;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of a token, as the key of the verified-token cache: two tokens map to the same key only through a
 * SHA-256 collision. Kept as the 256 raw bits (four longs) rather than hex text: no string to build per request, and
 * equality is four comparisons.
 */
record TokenDigest(long a, long b, long c, long d) {

    /**
     * Tokens digested lately, each with its digest: {@value #SETS} sets of two, a token's set chosen by its length
     * and last bytes (a JWT ends with its signature, which differs from token to token).
     *
     * <p>SDKs ask again with the same token until the kubelet rotates it (a keep-alive connection, an application
     * that builds a client per call, every pod of a node in turn), and SHA-256 of a ~1 KB token is ~20 us under C1,
     * which has no SHA intrinsic: a fifteenth of a cached request's CPU with a new connection per request. So a token
     * equal to one its set holds reuses that digest. The comparison is {@link MessageDigest#isEqual} with the
     * caller's token first, whose time depends on that token's length alone, not on where or whether the two differ:
     * a caller learns only whether it sent the very token the set holds, which it can only do by holding that token.
     * (Before it, a slot whose token has another length or other last bytes is passed over: those bytes chose the
     * set already.) A token missing from its full set takes the place of the set's older entry.
     *
     * <p>What this keeps is at most {@code 2 * SETS} tokens of ~1 KB, the pods' own, as the requests carrying them
     * did a moment before; an expired one stays until another token takes its place. With 110 pods on a node, about
     * one in fifteen shares its set with two others and is digested each time. Slots are replaced whole and read
     * without a lock: a slot's fields are final, so a thread sees another's slot complete or the one before it; two
     * threads at once at worst both compute the same digest, or one entry is lost. Neither gives a wrong digest.
     */
    static final int SETS = 1 << 8;
    /** {@link #set}'s shift: keeps the top log2(SETS) bits of the mixed tail. */
    private static final int SET_SHIFT = Integer.SIZE - Integer.numberOfTrailingZeros(SETS);
    private static final Slot[] RECENT = new Slot[2 * SETS];

    /** A thread's SHA-256 object: no provider look-up per digest (Netty's {@link FastThreadLocal}: an index on the
     * event loops, a {@link ThreadLocal} elsewhere). */
    private static final FastThreadLocal<MessageDigest> SHA = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }
    };

    /** @param tail {@link #tail} of the token */
    private record Slot(int tail, byte[] token, TokenDigest digest) {
    }

    static TokenDigest of(String token) {
        // Tokens are checked to be printable ASCII (Latin-1 = UTF-8 there); UTF-8 keeps any other string distinct.
        byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
        int tail = tail(bytes);
        int first = 2 * set(tail);
        Slot newer = RECENT[first];
        if (newer != null && newer.tail == tail && MessageDigest.isEqual(bytes, newer.token)) {
            return newer.digest;
        }
        Slot older = RECENT[first + 1];
        if (older != null && older.tail == tail && MessageDigest.isEqual(bytes, older.token)) {
            return older.digest;
        }
        ByteBuffer bits = ByteBuffer.wrap(SHA.get().digest(bytes));
        TokenDigest digest = new TokenDigest(bits.getLong(), bits.getLong(), bits.getLong(), bits.getLong());
        RECENT[first + 1] = newer;
        RECENT[first] = new Slot(tail, bytes, digest);
        return digest;
    }

    /** The token's length and last four bytes, mixed. */
    static int tail(byte[] token) {
        int n = token.length;
        int h = n;
        for (int i = Math.max(0, n - 4); i < n; i++) {
            h = h * 31 + token[i];
        }
        return h;
    }

    /** The set of a token with this {@link #tail}: Fibonacci hashing onto {@value #SETS} sets. */
    static int set(int tail) {
        return (tail * 0x9E3779B9) >>> SET_SHIFT;
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
