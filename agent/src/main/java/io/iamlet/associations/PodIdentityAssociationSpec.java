package io.iamlet.associations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * The mapping: service accounts (exact names or {@code *} globs) to a role, optionally chained into a target role.
 *
 * <p>The CEL rules below are what the API server checks at admission; they mirror {@link NamePattern},
 * {@code RoleArns} and {@link Association#of}, which check the same on the agent. Role ARN: the regex is the shape
 * {@code RoleArns} accepts (a path of non-empty segments, a 1-64 character name), written with ASCII classes rather
 * than escapes so that the CEL text stays readable; {@code .} and {@code ..} path segments are refused separately.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.externalId) || has(self.targetRoleArn)",
        message = "externalId is only used with targetRoleArn: it is sent when assuming the target role",
        fieldPath = ".externalId", reason = "FieldValueForbidden")
@ValidationRule(value = "!has(self.targetRoleArn) || self.targetRoleArn != self.roleArn",
        message = "targetRoleArn must differ from roleArn", fieldPath = ".targetRoleArn")
@ValidationRule(value = "!has(self.sessionTags) || size(self.sessionTags) == 0"
        + " || !has(self.disableSessionTags) || !self.disableSessionTags",
        message = "sessionTags cannot be set when disableSessionTags is true", fieldPath = ".sessionTags",
        reason = "FieldValueForbidden")
public class PodIdentityAssociationSpec {

    static final String ROLE_ARN_RULE = "self.matches('^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc)"
            + ":iam::[0-9]{12}:role/([A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]{1,64}$')"
            + " && !self.contains('/./') && !self.contains('/../')";
    static final String ROLE_ARN_MESSAGE =
            "must be an IAM role ARN: arn:<partition>:iam::<12-digit account>:role/<optional/path/>name";

    @Required
    @Size(min = 1, max = NamePattern.MAX_NAMESPACE)
    @ValidationRule(value = "self.matches('^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$') && !self.contains('**')",
            message = "must be a namespace name or a glob where * stands for any run of characters"
                    + " (lowercase letters, digits, '-', '*'; no '**')")
    @JsonPropertyDescription("Namespace of the service account: an exact name, or a glob where * matches any run of"
            + " characters (team-*, *). An exact name takes precedence over any glob.")
    private String namespace;

    @Required
    @Size(min = 1, max = NamePattern.MAX_SERVICE_ACCOUNT)
    @ValidationRule(value = "self.matches('^[a-z0-9*]([-a-z0-9.*]*[a-z0-9*])?$') && !self.contains('**')",
            message = "must be a service account name or a glob where * stands for any run of characters"
                    + " (lowercase letters, digits, '-', '.', '*'; no '**')")
    @JsonPropertyDescription("Service account name: an exact name, or a glob where * matches any run of characters.")
    private String serviceAccount;

    @Required
    @Size(max = 2048)
    @ValidationRule(value = ROLE_ARN_RULE, message = ROLE_ARN_MESSAGE)
    @JsonPropertyDescription("IAM role the pods get (assumed with their own token or by the node, per the agent's"
            + " --credential-source); with targetRoleArn, the role chained from.")
    private String roleArn;

    @Size(max = 2048)
    @ValidationRule(value = ROLE_ARN_RULE, message = ROLE_ARN_MESSAGE)
    @JsonPropertyDescription("Cross-account: after assuming roleArn, iamlet assumes this role with those credentials"
            + " and hands the pods the result. Chained sessions last at most one hour.")
    private String targetRoleArn;

    @Size(min = 2, max = 1224)
    @ValidationRule(value = "self.matches('^[A-Za-z0-9_+=,.@:/-]+$')",
            message = "must be 2 to 1224 characters of letters, digits and _+=,.@:/-")
    @JsonPropertyDescription("External id sent when assuming targetRoleArn (its trust policy's sts:ExternalId)."
            + " Only with targetRoleArn.")
    private String externalId;

    @JsonPropertyDescription("Do not tag the session with the pod's namespace, service account, name and uid (for"
            + " roles whose trust policy does not allow sts:TagSession).")
    private Boolean disableSessionTags;

    @Size(max = Association.MAX_EXTRA_TAGS)
    @ValidationRule(value = "self.all(t, self.exists_one(u, u.key.lowerAscii() == t.key.lowerAscii()))",
            message = "session tag keys must be unique (STS compares them case-insensitively)",
            reason = "FieldValueDuplicate")
    @JsonPropertyDescription("Extra session tags added to the ones iamlet sets (at most 40).")
    private List<SessionTag> sessionTags;

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String getServiceAccount() {
        return serviceAccount;
    }

    public void setServiceAccount(String serviceAccount) {
        this.serviceAccount = serviceAccount;
    }

    public String getRoleArn() {
        return roleArn;
    }

    public void setRoleArn(String roleArn) {
        this.roleArn = roleArn;
    }

    public String getTargetRoleArn() {
        return targetRoleArn;
    }

    public void setTargetRoleArn(String targetRoleArn) {
        this.targetRoleArn = targetRoleArn;
    }

    public String getExternalId() {
        return externalId;
    }

    public void setExternalId(String externalId) {
        this.externalId = externalId;
    }

    public Boolean getDisableSessionTags() {
        return disableSessionTags;
    }

    public void setDisableSessionTags(Boolean disableSessionTags) {
        this.disableSessionTags = disableSessionTags;
    }

    public List<SessionTag> getSessionTags() {
        return sessionTags;
    }

    public void setSessionTags(List<SessionTag> sessionTags) {
        this.sessionTags = sessionTags;
    }
}
