package io.iamlet.metadata;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which metadata paths a pod may read from the real metadata service, and the directory listings iamlet answers.
 *
 * <p>Invariants:
 * <ul>
 *   <li>A path is proxied only if it equals an allow-listed path <em>and</em> is not {@link #neverProxied never
 *       proxied}. The second check runs on every request whatever the list says, so a list that slipped past
 *       validation still cannot leak user-data or the node's credentials.</li>
 *   <li>Paths are compared raw and must be plain: only {@code [A-Za-z0-9._-]} segments, none empty, none {@code .}
 *       or {@code ..}, no percent-encoding. The upstream therefore sees exactly the path that was checked; no
 *       normalisation on either side can turn an allowed path into another.</li>
 *   <li>Listings are synthesised from the allow-list and iamlet's own {@code iam/} tree, never fetched: a pod learns
 *       only the names it could read.</li>
 * </ul>
 */
final class AllowedPaths {

    private static final Pattern PLAIN = Pattern.compile("(/[A-Za-z0-9_.-]+)+/?");

    /**
     * Never proxied, in whatever API version (the segment after the first): user data (often holds secrets),
     * everything under {@code iam/} (the node's own credentials and profile), {@code identity-credentials/} (the
     * instance's identity credentials), the instance identity signatures (they prove "I am this node" to Vault and
     * the like), and the token endpoint (iamlet issues its own).
     */
    private static final List<String> NEVER = List.of(
            "user-data",
            "meta-data/iam",
            "meta-data/identity-credentials",
            "dynamic/instance-identity/pkcs7",
            "dynamic/instance-identity/signature",
            "dynamic/instance-identity/rsa2048",
            "api/token");

    /** The paths iamlet answers itself; they appear in listings. */
    private static final List<String> OWN = List.of(
            "/latest/meta-data/iam/info",
            "/latest/meta-data/iam/security-credentials/");

    private final Set<String> allowed;

    AllowedPaths(List<String> paths) {
        this.allowed = Set.copyOf(paths);
    }

    /** What is wrong with {@code path} as an allow-list entry, or empty. */
    static Optional<String> problem(String path) {
        if (path == null || !path.startsWith("/latest/")) {
            return Optional.of("must be an absolute path under /latest/, e.g. /latest/meta-data/instance-id");
        }
        if (!plain(path) || path.endsWith("/")) {
            return Optional.of("must be a plain path of [A-Za-z0-9._-] segments, without '.', '..', '//', "
                    + "percent-encoding or a trailing '/'");
        }
        if (neverProxied(path)) {
            return Optional.of("is never proxied (user-data, iam/, identity-credentials/, instance identity"
                    + " signatures and the token endpoint stay with the node)");
        }
        return Optional.empty();
    }

    /** True when {@code path} may be forwarded to the upstream. */
    boolean proxied(String path) {
        return plain(path) && !neverProxied(path) && allowed.contains(path);
    }

    /**
     * The listing of {@code path} when it names a directory of the served tree ({@code /}, {@code /latest/},
     * {@code /latest/meta-data/}, ...; with or without the trailing slash), else empty. Sub-directories end in
     * {@code /} as on IMDS; lines are joined with {@code \n}, no trailing newline.
     */
    Optional<String> listing(String path) {
        if (path.equals("/")) {
            return Optional.of("latest");
        }
        if (!plain(path)) {
            return Optional.empty();
        }
        String dir = path.endsWith("/") ? path : path + "/";
        Set<String> children = new TreeSet<>();
        for (String entry : served()) {
            if (entry.startsWith(dir) && entry.length() > dir.length()) {
                String rest = entry.substring(dir.length());
                int slash = rest.indexOf('/');
                children.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        }
        if (children.isEmpty()) {
            return Optional.empty();
        }
        if (dir.equals("/latest/")) {
            // IMDS lists the top level without trailing slashes
            children = new TreeSet<>(children.stream().map(c -> c.replace("/", "")).toList());
        }
        return Optional.of(String.join("\n", children));
    }

    private Set<String> served() {
        Set<String> all = new TreeSet<>(allowed);
        all.addAll(OWN);
        return all;
    }

    /**
     * True for paths iamlet must never forward, whatever the allow-list says: a forbidden name at the start of any
     * segment, so that no version prefix (or lack of one) gets around it. Case-insensitive, to be safe.
     */
    static boolean neverProxied(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        for (int slash = p.indexOf('/'); slash >= 0; slash = p.indexOf('/', slash + 1)) {
            String rest = p.substring(slash + 1);
            for (String n : NEVER) {
                if (rest.startsWith(n)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean plain(String path) {
        if (!PLAIN.matcher(path).matches()) {
            return false;
        }
        for (String segment : path.substring(1).split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
