package io.iamlet.deploy;

import java.util.List;

/**
 * The invariants of an iamlet install, checked on the objects a kustomization renders. Tests run the real
 * overlays through it (no violations) and deliberately broken copies (the expected violation), so each rule is
 * shown to hold and to be able to fail.
 */
public final class InstallValidator {

    /** What the install is meant to serve, which decides how node-setup and the agent must agree. */
    public enum Mode {
        /** The container endpoint only: no IMDS redirect, no metadata listener, web-identity credentials. */
        CONTAINER_ONLY,
        /** Also the kube2iam-style metadata path: DNAT to the agent's metadata listener, assume-role. */
        METADATA
    }

    private InstallValidator() {}

    public static List<String> validate(Install install, Mode mode) {
        Violations violations = new Violations();
        AgentPodRules.check(install, violations);
        ContainerRules.check(install.daemonSet().getSpec().getTemplate().getSpec(), violations);
        RbacRules.check(install, violations);
        ModeRules.check(install.daemonSet().getSpec().getTemplate().getSpec(), mode, violations);
        return violations.list();
    }
}
