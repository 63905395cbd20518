package io.iamlet.associations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Written by one writer (the webhook replica holding the status Lease, not every node's agent): condition
 * {@code Ready}, True when iamlet uses the association, False with a reason and message when it does not (role refused
 * by the operator's allow-list, a tie, a shape the schema could not check). The agents never read it: they judge each
 * association themselves.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodIdentityAssociationStatus {

    @JsonPropertyDescription("The metadata.generation the conditions describe.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready: True when iamlet uses the association; False with reason and message otherwise.")
    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }
}
