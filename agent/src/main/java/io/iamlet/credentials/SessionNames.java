package io.iamlet.credentials;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Role session names and session-tag values within STS's limits, so CloudTrail can tell callers apart.
 *
 * <p>STS: a session name is 2 to 64 characters of {@code [\w+=,.@-]}; a tag value at most 256 characters of
 * {@code [\p{L}\p{Z}\p{N}_.:/=+\-@]}. Kubernetes names already fit those alphabets; anything else is replaced, and
 * whatever is cut short or replaced gets a hash suffix of the original so distinct inputs stay distinct.
 */
final class SessionNames {

    static final int MAX_SESSION_NAME = 64;
    static final int MAX_TAG_VALUE = 256;
    private static final Pattern NOT_SESSION_CHAR = Pattern.compile("[^\\w+=,.@-]");
    private static final Pattern NOT_TAG_CHAR = Pattern.compile("[^\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]");
    private static final int HASH_CHARS = 8;

    private SessionNames() {
    }

    /** {@code <namespace>.<serviceAccount>}, shortened with a hash suffix when it does not fit. */
    static String forServiceAccount(String namespace, String serviceAccount) {
        String ns = clean(namespace);
        String sa = clean(serviceAccount);
        String whole = ns + "." + sa;
        boolean changed = !ns.equals(namespace) || !sa.equals(serviceAccount);
        if (!changed && whole.length() <= MAX_SESSION_NAME && whole.length() >= 2) {
            return whole;
        }
        String[] fitted = fit(ns, sa, MAX_SESSION_NAME - 2 - HASH_CHARS);
        return fitted[0] + "." + fitted[1] + "-" + hash(namespace + "/" + serviceAccount);
    }

    /**
     * {@code <namespace>.<pod name>.<8 hex of sha256(pod uid)>}: the pod's own session, the uid hash telling apart
     * two pods of the same name over time (StatefulSets). The full uid is also in the {@code kubernetes-pod-uid} tag.
     */
    static String forPod(String namespace, String podName, String podUid) {
        String[] fitted = fit(clean(namespace), clean(podName), MAX_SESSION_NAME - 2 - HASH_CHARS);
        return fitted[0] + "." + fitted[1] + "." + hash(podUid);
    }

    /** A session-tag value STS accepts: disallowed characters replaced, at most 256 characters. */
    static String tagValue(String value) {
        String v = value == null ? "" : NOT_TAG_CHAR.matcher(value).replaceAll("_");
        return v.length() <= MAX_TAG_VALUE ? v : v.substring(0, MAX_TAG_VALUE);
    }

    private static String clean(String s) {
        return s == null ? "" : NOT_SESSION_CHAR.matcher(s).replaceAll("-");
    }

    /** Shortens {@code a} and {@code b} to fit {@code budget} together, neither below half the budget if long. */
    private static String[] fit(String a, String b, int budget) {
        if (a.length() + b.length() <= budget) {
            return new String[] {a, b};
        }
        int aLen = Math.min(a.length(), Math.max(budget - b.length(), budget / 2));
        int bLen = Math.min(b.length(), budget - aLen);
        return new String[] {a.substring(0, aLen), b.substring(0, bLen)};
    }

    static String hash(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((s == null ? "" : s).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }
}
