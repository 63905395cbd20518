package io.iamlet.deploy;

import static io.iamlet.deploy.PodParts.AGENT;
import static io.iamlet.deploy.PodParts.NODE_SETUP;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.iamlet.deploy.InstallValidator.Mode;
import java.util.Optional;

/**
 * node-setup and the agent must agree: the port IMDS traffic is redirected to is the port the agent's metadata
 * listener binds, and with no listener there must be no redirect (it would send pods' IMDS requests nowhere).
 */
final class ModeRules {
    private ModeRules() {}

    static void check(PodSpec pod, Mode mode, Violations v) {
        Optional<Container> init = PodParts.initContainer(pod, NODE_SETUP);
        Optional<Container> agent = PodParts.container(pod, AGENT);
        if (init.isEmpty() || agent.isEmpty()) {
            return;
        }
        String port = PodParts.setting(init.get(), "--metadata-port", "IAMLET_METADATA_PORT",
                CliContract.DEFAULT_METADATA_PORT).orElse("");
        String listen = PodParts.setting(agent.get(), "--metadata-listen", "IAMLET_METADATA_LISTEN", "").orElse("");
        String source = PodParts.setting(agent.get(), "--credential-source", "IAMLET_CREDENTIAL_SOURCE",
                CliContract.DEFAULT_CREDENTIAL_SOURCE).orElse("");
        switch (mode) {
            case CONTAINER_ONLY -> {
                v.require("0".equals(port), "container-only mode: node-setup must not redirect IMDS "
                        + "(--metadata-port 0), was %s", port);
                v.require(listen.isBlank(), "container-only mode: the metadata listener must be off, was %s", listen);
                v.require("web-identity".equals(source),
                        "container-only mode: the credential source must be web-identity, was %s", source);
            }
            case METADATA -> {
                v.require(!"0".equals(port) && listen.equals("$(IAMLET_HOST_IP):" + port),
                        "metadata mode: node-setup redirects IMDS to <host-ip>:%s, so the agent must listen on "
                                + "$(IAMLET_HOST_IP):%s, was '%s'", port, port, listen);
                v.require("assume-role".equals(source),
                        "metadata mode: the credential source must be assume-role, was %s", source);
                v.require(!PodParts.setting(agent.get(), "--cluster-name", "IAMLET_CLUSTER_NAME", "")
                                .orElse("").isBlank(),
                        "metadata mode: IAMLET_CLUSTER_NAME is required for assume-role session tags");
                v.require(PodParts.env(init.get(), "IAMLET_POD_INTERFACE").map(e -> e.getValue())
                                .filter(value -> value != null && !value.isBlank()).isPresent(),
                        "metadata mode: set IAMLET_POD_INTERFACE explicitly (the default eni+ fits only the AWS "
                                + "VPC CNI)");
            }
        }
    }
}
