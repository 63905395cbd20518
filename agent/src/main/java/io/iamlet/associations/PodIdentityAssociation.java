package io.iamlet.associations;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Which service accounts get which IAM role: the cluster-scoped {@code podidentityassociations.iamlet.io} resource.
 *
 * <p>Cluster-scoped on purpose: RBAC on this resource decides who may map roles, and a namespace owner cannot grant
 * their own workloads a role the way they can with a service-account annotation. The CRD in
 * {@code daemonset/base/crd-podidentityassociations.yaml} is generated from these types ({@code CrdManifestTest});
 * the schema's CEL rules refuse at admission what can be refused there, and {@link Association#of} checks the same
 * again for objects that never went through them.
 */
@Group("iamlet.io")
@Version("v1alpha1")
@Kind("PodIdentityAssociation")
@Plural("podidentityassociations")
@Singular("podidentityassociation")
@ShortNames("pia")
@AdditionalPrinterColumn(name = "Namespace", jsonPath = ".spec.namespace", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "ServiceAccount", jsonPath = ".spec.serviceAccount",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Role", jsonPath = ".spec.roleArn", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Target", jsonPath = ".spec.targetRoleArn", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class PodIdentityAssociation extends CustomResource<PodIdentityAssociationSpec, PodIdentityAssociationStatus> {

    /** Kubernetes API group of the resource. */
    public static final String GROUP = "iamlet.io";
    /** Full resource name, as RBAC rules and the CRD name it. */
    public static final String RESOURCE = "podidentityassociations.iamlet.io";

    @Override
    @Required
    public PodIdentityAssociationSpec getSpec() {
        return super.getSpec();
    }
}
