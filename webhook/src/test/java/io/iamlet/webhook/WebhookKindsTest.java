package io.iamlet.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.iamlet.associations.PodIdentityAssociation;
import io.iamlet.pods.KubernetesClients;
import org.junit.jupiter.api.Test;

/** The webhook's client binds what it reads by kind to fabric8's classes, from its own list (no class-path search). */
class WebhookKindsTest {

    private final KubernetesSerialization json = KubernetesClients.serialization(WebhookCommand.KINDS);

    @Test
    void admissionRequestsPodIsReadAsPod() {
        var review = json.unmarshal("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
                + "{\"uid\":\"u1\",\"operation\":\"CREATE\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                + "\"metadata\":{\"name\":\"web\"},\"spec\":{\"serviceAccountName\":\"sa\",\"containers\":"
                + "[{\"name\":\"app\",\"image\":\"app\"}]}}}}", AdmissionReview.class);

        assertThat(review.getRequest().getObject()).isInstanceOfSatisfying(Pod.class,
                pod -> assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("sa"));
    }

    @Test
    void watchedLeasesAndAssociationsAreBoundToTheirClassesAndOtherKindsStayGeneric() {
        assertThat(event("{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"l\"}}"))
                .isExactlyInstanceOf(Lease.class);
        assertThat(event("{\"apiVersion\":\"iamlet.io/v1alpha1\",\"kind\":\"PodIdentityAssociation\",\"metadata\":"
                + "{\"name\":\"a\"}}")).isExactlyInstanceOf(PodIdentityAssociation.class);
        assertThat(event("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}"))
                .isExactlyInstanceOf(GenericKubernetesResource.class);
    }

    private Object event(String object) {
        return json.unmarshal("{\"type\":\"ADDED\",\"object\":" + object + "}", WatchEvent.class).getObject();
    }
}
