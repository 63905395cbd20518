package io.iamlet.metadata;

import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleArns;
import io.iamlet.pods.PodInfo;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The role a pod asks for: its role annotation, else the default role. A value starting with {@code arn:} is an ARN;
 * anything else is a role name (optionally with a path, {@code team-a/reader}) appended to the base ARN
 * ({@code --base-role-arn}, or the one discovered from the node's instance profile, read at each request since it may
 * arrive after start). The result
 * is validated with {@link RoleArns} (so {@code ..}, {@code //} and stray characters are refused) and checked
 * against {@code --allowed-role-pattern}. The namespace policy is the caller's next step.
 *
 * <p>Messages never quote the annotation itself: it is written by whoever may edit the pod and may carry control
 * characters meant for a log line. Only an ARN that passed validation is named.
 */
final class RoleChoice {

    /** Bound of {@link #accepted}: more distinct roles than this on one node start it afresh. */
    static final int MAX_ACCEPTED = 4_096;

    private final MetadataSettings settings;
    private final Supplier<String> baseRoleArn;
    /**
     * ARNs that passed validation and {@code --allowed-role-pattern}: both depend on the ARN alone, so a pod asking
     * again (every credential request) skips the regular expressions. Refusals are not remembered (they keep their
     * messages and are rare).
     */
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();

    /** With {@code --base-role-arn} only. */
    RoleChoice(MetadataSettings settings) {
        this(settings, settings::baseRoleArn);
    }

    /** @param baseRoleArn the base ARN in force, or null while there is none */
    RoleChoice(MetadataSettings settings, Supplier<String> baseRoleArn) {
        this.settings = settings;
        this.baseRoleArn = baseRoleArn;
    }

    /** The base ARN in force now, or null. */
    String baseRoleArn() {
        return baseRoleArn.get();
    }

    /** The role ARN for {@code pod}, or empty when it has none; fails with {@link Failure.Denied}. */
    Optional<String> roleFor(PodInfo pod) {
        String annotation = pod.annotations().get(settings.podRoleAnnotation());
        boolean annotated = annotation != null && !annotation.isBlank();
        String value = annotated ? annotation.strip() : settings.defaultRole();
        if (value == null) {
            return Optional.empty();
        }
        String source = annotated ? "the " + settings.podRoleAnnotation() + " annotation" : "--default-role";
        String arn;
        String base = baseRoleArn.get();
        if (value.startsWith("arn:")) {
            arn = value;
        } else if (base != null) {
            arn = base + value;
        } else {
            throw new Failure.Denied("no_base_arn", source + " of pod " + pod.ref()
                    + " is a role name, but iamlet has no base role ARN (--base-role-arn, or one discovered from the"
                    + " node's instance profile) to make it an ARN; give a full role ARN");
        }
        if (accepted.contains(arn)) {
            return Optional.of(arn);
        }
        var problem = RoleArns.problem(arn);
        if (problem.isPresent()) {
            throw new Failure.Denied("invalid_role", source + " of pod " + pod.ref()
                    + " does not name a valid IAM role: " + problem.get());
        }
        if (!settings.allowedRoles().allows(arn)) {
            throw new Failure.Denied("role_not_allowed",
                    "role " + arn + " of pod " + pod.ref() + " is not allowed by --allowed-role-pattern");
        }
        if (accepted.size() >= MAX_ACCEPTED) {
            accepted.clear();
        }
        accepted.add(arn);
        return Optional.of(arn);
    }
}
