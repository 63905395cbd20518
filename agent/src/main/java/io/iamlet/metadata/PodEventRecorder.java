package io.iamlet.metadata;

import io.iamlet.pods.PodInfo;

/** Tells a pod's owners why it was refused a role (a Kubernetes Event in production). */
@FunctionalInterface
public interface PodEventRecorder {

    /**
     * Called on the request path when {@code pod} is denied its role: must return at once (do the work elsewhere)
     * and may drop repeats.
     *
     * @param reason  constant word ({@code namespace_policy_mismatch}, {@code invalid_role}, ...)
     * @param message the caller-safe explanation also sent in the 403
     */
    void denied(PodInfo pod, String reason, String message);

    /** Records nothing. */
    static PodEventRecorder none() {
        return (pod, reason, message) -> {
        };
    }
}
