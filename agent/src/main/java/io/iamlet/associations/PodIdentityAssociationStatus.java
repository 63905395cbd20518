package io.iamlet.associations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Written by one writer (not by every node's agent): {@code Ready} when the association is in force, {@code Invalid}
 * with a reason and message when it is not (role refused by the operator's allow-list, a shape the schema could not
 * check). The agents never read it: they judge each association themselves.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodIdentityAssociationStatus {

    @JsonPropertyDescription("The metadata.generation the conditions describe.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready: the association is in force. Invalid: it is not, and why (reason, message).")
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
