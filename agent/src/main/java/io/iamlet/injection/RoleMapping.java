package io.iamlet.injection;

import io.iamlet.failure.Failure;
import java.util.Set;

/**
 * How a role resolver's failure reads for the injection: does the service account map to a role at all? Shared by the
 * webhook (inject or not) and the node agent (report a missed injection or not), so that the two never disagree.
 *
 * <p>"No role" is only an answer that nothing maps the account (no annotation, no association, no such account). A
 * match the agent denies (two associations tie, an association is invalid, the role is outside the allow-list) does
 * map: the pod gets the injection, asks iamlet, and receives a denial that explains itself (audit line, Event),
 * rather than silently using other credentials.
 */
public final class RoleMapping {

    private static final Set<String> NO_ROLE = Set.of("no_role_annotation", "no_association",
            "service_account_not_found", "invalid_service_account");

    private RoleMapping() {
    }

    /** True when {@code error} (from a role resolver) says the service account maps to no role. */
    public static boolean noRole(Throwable error) {
        return Failure.find(error).filter(f -> f instanceof Failure.Denied && NO_ROLE.contains(f.reason())).isPresent();
    }

    /** True when {@code error} is a denial of a role that does map ({@link #noRole} false). */
    public static boolean deniedMatch(Throwable error) {
        return Failure.find(error).filter(f -> f instanceof Failure.Denied && !NO_ROLE.contains(f.reason())).isPresent();
    }
}
