package io.iamlet.deploy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * Strict models for the webhook's objects that the agent's test classpath has no fabric8 model for (the agent's
 * jar excludes the policy and admissionregistration models), and for cert-manager's. Like {@link PodMonitor}: only
 * the fields iamlet's manifests may use; any other field fails parsing, so it must be added here deliberately.
 */
final class WebhookObjects {

    private WebhookObjects() {}

    record PodDisruptionBudget(String apiVersion, String kind, ObjectMeta metadata, PdbSpec spec) {}

    record PdbSpec(IntOrString minAvailable, IntOrString maxUnavailable, LabelSelector selector,
                   String unhealthyPodEvictionPolicy) {}

    record MutatingWebhookConfiguration(String apiVersion, String kind, ObjectMeta metadata, List<Webhook> webhooks) {}

    record Webhook(String name, List<String> admissionReviewVersions, String sideEffects, String failurePolicy,
                   String reinvocationPolicy, Integer timeoutSeconds, String matchPolicy, ClientConfig clientConfig,
                   List<Rule> rules, LabelSelector namespaceSelector, LabelSelector objectSelector) {}

    record ClientConfig(ServiceReference service, String url, String caBundle) {}

    record ServiceReference(String name, String namespace, String path, Integer port) {}

    record Rule(List<String> apiGroups, List<String> apiVersions, List<String> operations, List<String> resources,
                String scope) {}

    record Issuer(String apiVersion, String kind, ObjectMeta metadata, IssuerSpec spec) {}

    record IssuerSpec(Map<String, Object> selfSigned, Map<String, Object> ca) {}

    record Certificate(String apiVersion, String kind, ObjectMeta metadata, CertificateSpec spec) {}

    record CertificateSpec(String secretName, List<String> dnsNames, String duration, String renewBefore,
                           PrivateKey privateKey, IssuerRef issuerRef) {}

    record PrivateKey(String algorithm, Integer size, String rotationPolicy) {}

    record IssuerRef(String kind, String name, String group) {}
}
