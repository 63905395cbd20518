package io.iamlet.associations;

import io.iamlet.failure.Failure;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.identity.RoleResolver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The operator's choice of role source ({@link RoleSource}) composed over the annotation resolver and the
 * associations.
 *
 * <p>In {@code both}, an association wins over the annotation: associations are cluster-scoped and written by whoever
 * RBAC allows to map roles, while the annotation can be written by anyone who may edit service accounts in the
 * namespace; letting the annotation override would hand the decision back to the namespace owner. An association
 * that matches but denies (tie, invalid, role not allowed) is final for the same reason.
 *
 * <p>Association outcomes are counted in {@code iamlet.role.resolutions} (the annotation resolver counts its own).
 * The roles of associations pass the same {@code --allowed-role-pattern} allow-list as annotations, target role
 * included.
 */
public final class RoleSourceResolver implements GrantResolver {

    /** Kubernetes object names: DNS subdomains. Names come from verified tokens; this is a second fence. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private final RoleSource source;
    private final RoleResolver annotations;
    private final Associations associations;
    private final RoleArnAllowList allowList;
    private final MeterRegistry registry;

    /**
     * @param annotations the service-account annotation resolver; needed unless {@code source} is association
     * @param store       the association informer (started by the caller); needed unless {@code source} is annotation
     */
    public static RoleSourceResolver create(RoleSource source, RoleResolver annotations, AssociationStore store,
                                            RoleArnAllowList allowList, MeterRegistry registry) {
        return new RoleSourceResolver(source, annotations, store, allowList, registry);
    }

    RoleSourceResolver(RoleSource source, RoleResolver annotations, Associations associations,
                       RoleArnAllowList allowList, MeterRegistry registry) {
        this.source = Objects.requireNonNull(source, "source");
        this.annotations = source == RoleSource.ASSOCIATION ? null
                : Objects.requireNonNull(annotations, "annotation resolver for --role-source " + source);
        this.associations = source == RoleSource.ANNOTATION ? null
                : Objects.requireNonNull(associations, "association store for --role-source " + source);
        this.allowList = Objects.requireNonNull(allowList, "allowList");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public RoleSource source() {
        return source;
    }

    /**
     * The role the service account's pods end up with: the target role of a cross-account grant. For callers that
     * only need to know whether and which role applies (the webhook, the missed-injection check); credentials are
     * fetched from {@link #grantFor}, which says how to obtain that role.
     */
    @Override
    public CompletableFuture<String> roleArnFor(String namespace, String serviceAccount) {
        if (source == RoleSource.ANNOTATION) {
            return annotations.roleArnFor(namespace, serviceAccount);
        }
        return grantFor(namespace, serviceAccount).thenApply(RoleGrant::effectiveRoleArn);
    }

    @Override
    public CompletableFuture<RoleGrant> grantFor(String namespace, String serviceAccount) {
        return switch (source) {
            case ANNOTATION -> annotations.roleArnFor(namespace, serviceAccount).thenApply(RoleGrant::fromAnnotation);
            case ASSOCIATION -> counted(fromAssociations(namespace, serviceAccount).thenApply(found -> found
                    .orElseThrow(() -> new Failure.Denied("no_association", "no PodIdentityAssociation matches"
                            + " service account " + namespace + "/" + serviceAccount))));
            case BOTH -> fromAssociations(namespace, serviceAccount).handle((found, error) -> {
                if (error != null) {
                    return counted(CompletableFuture.<RoleGrant>failedFuture(error));
                }
                if (found.isPresent()) {
                    return counted(CompletableFuture.completedFuture(found.get()));
                }
                return annotations.roleArnFor(namespace, serviceAccount).thenApply(RoleGrant::fromAnnotation);
            }).thenCompose(Function.identity());
        };
    }

    /** Empty when no association matches; a denial when one matches but cannot be used. Not counted. */
    private CompletableFuture<Optional<RoleGrant>> fromAssociations(String namespace, String serviceAccount) {
        if (namespace == null || serviceAccount == null
                || !NAME.matcher(namespace).matches() || !NAME.matcher(serviceAccount).matches()) {
            return CompletableFuture.failedFuture(
                    new Failure.Denied("invalid_service_account", "not a valid service account name"));
        }
        String ref = namespace + "/" + serviceAccount;
        return associations.match(namespace, serviceAccount).thenApply(match -> switch (match) {
            case Match.None none -> Optional.empty();
            case Match.Granted granted -> Optional.of(allowed(granted.grant(), ref));
            case Match.Tie tie -> throw new Failure.Denied("association_tie", "PodIdentityAssociations "
                    + tie.first() + " and " + tie.second() + " both match service account " + ref
                    + " with equal specificity and do not grant the same; make one more specific or delete one");
            case Match.Invalid invalid -> throw new Failure.Denied("invalid_association", "PodIdentityAssociation "
                    + invalid.association() + ", the most specific for service account " + ref + ", is invalid: "
                    + String.join("; ", invalid.problems()));
        });
    }

    private RoleGrant allowed(RoleGrant grant, String ref) {
        for (String arn : grant.targetRoleArn().isPresent()
                ? new String[] {grant.roleArn(), grant.targetRoleArn().get()} : new String[] {grant.roleArn()}) {
            if (!allowList.allows(arn)) {
                throw new Failure.Denied("role_not_allowed", "role " + arn + " of PodIdentityAssociation "
                        + grant.association() + " (service account " + ref + ") is not allowed by"
                        + " --allowed-role-pattern");
            }
        }
        return grant;
    }

    private CompletableFuture<RoleGrant> counted(CompletableFuture<RoleGrant> result) {
        return result.whenComplete((grant, error) -> {
            Failure f = error == null ? null : Failure.find(error).orElse(null);
            String outcome = error == null ? "allowed" : f == null ? "error"
                    : f.transientFailure() ? "unavailable" : "denied";
            String reason = error == null ? "association_found" : f == null ? "internal" : f.reason();
            Counter.builder("iamlet.role.resolutions")
                    .description("Service account to IAM role resolutions by outcome and reason")
                    .tag("outcome", outcome).tag("reason", reason).register(registry).increment();
        });
    }
}
