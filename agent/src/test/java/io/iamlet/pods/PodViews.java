package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Tests build pods with fabric8's model ({@code TestPods}); the agent reads them as {@link PodView}. These turn one
 * into the other as the API client would: through JSON, with the agent's own binding.
 */
public final class PodViews {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private PodViews() {
    }

    /** {@code pod} as the informer would hand it to the agent. */
    public static PodView of(Pod pod) {
        return pod == null ? null : JSON.unmarshal(JSON.asJson(pod), PodView.class);
    }

    /** A handler of fabric8 pods that hands {@code handler} their views. */
    static ResourceEventHandler<Pod> of(ResourceEventHandler<PodView> handler) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                handler.onAdd(PodViews.of(pod));
            }

            @Override
            public void onUpdate(Pod before, Pod pod) {
                handler.onUpdate(PodViews.of(before), PodViews.of(pod));
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                handler.onDelete(PodViews.of(pod), finalStateUnknown);
            }

            @Override
            public void onList(String resourceVersion, boolean remainedEmpty) {
                handler.onList(resourceVersion, remainedEmpty);
            }
        };
    }
}
