package io.iamlet.associations;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * One extra session tag. A list of key/value objects rather than a map because a map's keys cannot be given a
 * {@code maxLength} in a CRD schema, and the API server refuses CEL rules whose estimated cost is unbounded: every
 * string here is bounded, so the rules on it are cheap.
 */
public class SessionTag {

    @Required
    @Size(min = 1, max = 128)
    @ValidationRule(value = "self.matches(r'^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]+$')",
            message = "must be letters, digits, spaces or _.:/=+-@")
    @ValidationRule(value = "!self.lowerAscii().startsWith('aws:') && !(self.lowerAscii() in ['eks-cluster-arn',"
            + " 'eks-cluster-name', 'kubernetes-namespace', 'kubernetes-service-account', 'kubernetes-pod-name',"
            + " 'kubernetes-pod-uid'])",
            message = "must not start with aws: nor be a tag iamlet sets itself (eks-cluster-arn, eks-cluster-name,"
                    + " kubernetes-namespace, kubernetes-service-account, kubernetes-pod-name, kubernetes-pod-uid)",
            reason = "FieldValueForbidden")
    @JsonPropertyDescription("Tag key (1 to 128 characters).")
    private String key;

    @Required
    @Size(max = 256)
    @ValidationRule(value = "self.matches(r'^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$')",
            message = "must be letters, digits, spaces or _.:/=+-@")
    @JsonPropertyDescription("Tag value (at most 256 characters).")
    private String value;

    public SessionTag() {
    }

    public SessionTag(String key, String value) {
        this.key = key;
        this.value = value;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public String getValue() {
        return value;
    }

    public void setValue(String value) {
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionTag t && Objects.equals(key, t.key) && Objects.equals(value, t.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, value);
    }
}
