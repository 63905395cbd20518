package io.iamlet.identity;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Validation of IAM role ARNs: {@code arn:<partition>:iam::<12 digits>:role/<path/>name}.
 *
 * <p>Stricter than IAM where IAM is lax in ways that only help an attacker: path segments use the same characters as
 * role names ({@code [\w+=,.@-]}), so whitespace, control characters, empty segments ({@code //}) and {@code ..} are
 * refused. Role names are 1 to 64 characters, paths at most 512 (IAM's limits).
 *
 * <p>Problems are described without echoing the input: an ARN comes from an annotation anyone with edit rights on a
 * service account or pod can write, and may carry control characters meant for a log line.
 */
public final class RoleArns {

    private static final int MAX_NAME = 64;
    private static final int MAX_PATH = 512;

    private static final Pattern ARN = Pattern.compile(
            "arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):iam::(\\d{12}):role(/.*)");
    private static final Pattern SEGMENT = Pattern.compile("[\\w+=,.@-]+");

    private RoleArns() {
    }

    /** True when {@code arn} is a well-formed IAM role ARN. */
    public static boolean isValid(String arn) {
        return problem(arn).isEmpty();
    }

    /**
     * What is wrong with {@code arn}, in words safe to show to a caller (never the ARN itself), or empty when it is a
     * well-formed role ARN.
     */
    public static Optional<String> problem(String arn) {
        if (arn == null || arn.isEmpty()) {
            return Optional.of("the role ARN is empty");
        }
        if (arn.length() > 2048) {
            return Optional.of("the role ARN is too long");
        }
        var m = ARN.matcher(arn);
        if (!m.matches()) {
            return Optional.of("not of the form arn:<partition>:iam::<12-digit account>:role/<name>");
        }
        String pathAndName = m.group(3); // starts with '/'
        int lastSlash = pathAndName.lastIndexOf('/');
        String name = pathAndName.substring(lastSlash + 1);
        String path = pathAndName.substring(0, lastSlash + 1); // "/" or "/a/b/"
        if (name.isEmpty() || name.length() > MAX_NAME || !SEGMENT.matcher(name).matches()) {
            return Optional.of("the role name must be 1 to 64 characters of [A-Za-z0-9+=,.@_-]");
        }
        if (path.length() > MAX_PATH) {
            return Optional.of("the role path is longer than 512 characters");
        }
        if (path.length() > 1) {
            for (String segment : path.substring(1, path.length() - 1).split("/", -1)) {
                if (segment.isEmpty() || segment.equals("..") || segment.equals(".")
                        || !SEGMENT.matcher(segment).matches()) {
                    return Optional.of("the role path has an empty, relative or invalid segment");
                }
            }
        }
        return Optional.empty();
    }

    /** The role name (last path segment) of a valid ARN. */
    public static String roleName(String validArn) {
        return validArn.substring(validArn.lastIndexOf('/') + 1);
    }

    /** The 12-digit account id of a valid ARN. */
    public static String accountId(String validArn) {
        var m = ARN.matcher(validArn);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a role ARN");
        }
        return m.group(2);
    }
}
