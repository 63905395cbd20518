package io.iamlet.webhook.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.iamlet.associations.AssociationReview;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.associations.PodIdentityAssociationStatus;
import io.iamlet.associations.RoleGrant;
import io.iamlet.identity.RoleArnAllowList;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code Ready} condition of one association: True when the agent would use it, False with a reason and a message
 * that never echo its external id. Reasons, in the order they are checked: the spec's own problems
 * ({@code InvalidRoleArn}, {@code TargetWithoutSource}, {@code ExternalIdWithoutTarget}, ...), {@code RoleNotAllowed}
 * (a role outside {@code --allowed-role-pattern}), {@code Tie} (naming the other association).
 *
 * @param status  "True" or "False"
 * @param reason  CamelCase reason
 * @param message for people
 */
record ReadyCondition(String status, String reason, String message) {

    static final String TYPE = "Ready";

    static ReadyCondition of(AssociationReview.Verdict verdict, RoleArnAllowList allowList) {
        if (verdict.reason().isPresent()) {
            return new ReadyCondition("False", verdict.reason().get(), "not used by iamlet: " + verdict.message());
        }
        RoleGrant grant = verdict.grant().orElseThrow();
        if (!allowList.allows(grant.roleArn())) {
            return notAllowed("roleArn");
        }
        if (grant.targetRoleArn().isPresent() && !allowList.allows(grant.targetRoleArn().get())) {
            return notAllowed("targetRoleArn");
        }
        if (verdict.tiedWith().isPresent()) {
            return new ReadyCondition("False", "Tie", "ties with PodIdentityAssociation " + verdict.tiedWith().get()
                    + ": both match some service accounts with equal specificity and do not grant the same, so iamlet"
                    + " denies those service accounts; make one more specific or delete one");
        }
        return new ReadyCondition("True", "Valid", "iamlet hands out this role to the service accounts it matches");
    }

    private static ReadyCondition notAllowed(String field) {
        return new ReadyCondition("False", "RoleNotAllowed", field + " is not allowed by the operator's"
                + " --allowed-role-pattern: iamlet denies the service accounts this association matches");
    }

    /** Whether {@code object}'s status already says this, for its current generation. */
    boolean writtenIn(PodIdentityAssociation object) {
        PodIdentityAssociationStatus status = object.getStatus();
        if (status == null || !Objects.equals(status.getObservedGeneration(), generation(object))) {
            return false;
        }
        return current(status).filter(c -> status().equals(c.getStatus()) && reason().equals(c.getReason())
                && message().equals(c.getMessage()) && Objects.equals(c.getObservedGeneration(), generation(object)))
                .isPresent();
    }

    /**
     * The status to write: this condition in place of the old Ready one (its transition time kept when the status
     * did not flip), other conditions left as they are.
     */
    PodIdentityAssociationStatus applyTo(PodIdentityAssociation object, Instant now) {
        PodIdentityAssociationStatus old = object.getStatus();
        Optional<Condition> previous = old == null ? Optional.empty() : current(old);
        String since = previous.filter(c -> status().equals(c.getStatus())).map(Condition::getLastTransitionTime)
                .filter(Objects::nonNull).orElse(now.toString());
        List<Condition> conditions = new ArrayList<>();
        if (old != null && old.getConditions() != null) {
            old.getConditions().stream().filter(c -> !TYPE.equals(c.getType())).forEach(conditions::add);
        }
        conditions.add(new ConditionBuilder().withType(TYPE).withStatus(status()).withReason(reason())
                .withMessage(message()).withObservedGeneration(generation(object)).withLastTransitionTime(since)
                .build());
        PodIdentityAssociationStatus status = new PodIdentityAssociationStatus();
        status.setObservedGeneration(generation(object));
        status.setConditions(conditions);
        return status;
    }

    private static Optional<Condition> current(PodIdentityAssociationStatus status) {
        return status.getConditions() == null ? Optional.empty()
                : status.getConditions().stream().filter(c -> TYPE.equals(c.getType())).findFirst();
    }

    private static Long generation(PodIdentityAssociation object) {
        return object.getMetadata().getGeneration();
    }
}
