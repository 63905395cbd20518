package io.iamlet.deploy;

import static io.iamlet.deploy.PodParts.AGENT;
import static io.iamlet.deploy.PodParts.NODE_SETUP;
import static io.iamlet.deploy.PodParts.list;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Invariants of the two containers: privileges, resources, probes and what their environment may contain. */
final class ContainerRules {
    private static final Pattern REFERENCE = Pattern.compile("(?<!\\$)\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private ContainerRules() {}

    static void check(PodSpec pod, Violations v) {
        PodParts.initContainer(pod, NODE_SETUP).ifPresentOrElse(init -> nodeSetup(init, v),
                () -> v.require(false, "init container %s is missing", NODE_SETUP));
        PodParts.container(pod, AGENT).ifPresentOrElse(agent -> agent(agent, v),
                () -> v.require(false, "container %s is missing", AGENT));
    }

    private static void nodeSetup(Container init, Violations v) {
        v.require(list(init.getArgs()).stream().findFirst().filter(NODE_SETUP::equals).isPresent(),
                "%s must run `iamlet node-setup`, args were %s", NODE_SETUP, init.getArgs());
        v.require(PodParts.added(init).equals(Set.of("NET_ADMIN", "NET_RAW")),
                "%s must add exactly NET_ADMIN and NET_RAW, added %s", NODE_SETUP, PodParts.added(init));
        v.require(PodParts.dropped(init).equals(Set.of("ALL")), "%s must drop ALL capabilities", NODE_SETUP);
        SecurityContext sc = PodParts.securityContext(init);
        v.require(Long.valueOf(0).equals(sc.getRunAsUser()),
                "%s must run as uid 0 (capabilities reach the effective set only for root)", NODE_SETUP);
        v.require(!Boolean.TRUE.equals(sc.getPrivileged()), "%s must not be privileged", NODE_SETUP);
        v.require(Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()),
                "%s must not allow privilege escalation", NODE_SETUP);
        v.require(Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()),
                "%s must have a read-only root filesystem", NODE_SETUP);
        resources(init, v);
        environment(init, CliContract.NODE_SETUP_ENV, "node-setup", v);
        String metadataPort = PodParts.setting(init, "--metadata-port", "IAMLET_METADATA_PORT",
                CliContract.DEFAULT_METADATA_PORT).orElse("");
        if (!"0".equals(metadataPort)) {
            v.require(PodParts.fieldRef(init, "IAMLET_HOST_IP").filter("status.hostIP"::equals).isPresent(),
                    "%s redirects IMDS to the host IP, so IAMLET_HOST_IP must come from status.hostIP", NODE_SETUP);
        }
    }

    private static void agent(Container agent, Violations v) {
        v.require(list(agent.getArgs()).stream().findFirst().filter("serve"::equals).isPresent(),
                "%s must run `iamlet serve`, args were %s", AGENT, agent.getArgs());
        v.require(PodParts.added(agent).equals(Set.of("NET_BIND_SERVICE")),
                "%s must add exactly NET_BIND_SERVICE, added %s", AGENT, PodParts.added(agent));
        v.require(PodParts.dropped(agent).equals(Set.of("ALL")), "%s must drop ALL capabilities", AGENT);
        SecurityContext sc = PodParts.securityContext(agent);
        v.require(Boolean.TRUE.equals(sc.getRunAsNonRoot()) && sc.getRunAsUser() != null && sc.getRunAsUser() != 0,
                "%s must run as a fixed non-root uid with runAsNonRoot", AGENT);
        v.require(!Boolean.TRUE.equals(sc.getPrivileged()), "%s must not be privileged", AGENT);
        v.require(Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()),
                "%s must have a read-only root filesystem", AGENT);
        v.require(Boolean.TRUE.equals(sc.getAllowPrivilegeEscalation()),
                "%s must allow privilege escalation: no_new_privs would withhold the file capability "
                        + "cap_net_bind_service of the image's java-netbind launcher, and binding port 80 would fail",
                AGENT);
        resources(agent, v);
        probes(agent, v);
        v.require(PodParts.fieldRef(agent, "IAMLET_NODE_NAME").filter("spec.nodeName"::equals).isPresent(),
                "IAMLET_NODE_NAME must come from the downward API field spec.nodeName");
        v.require(PodParts.fieldRef(agent, "IAMLET_HOST_IP").filter("status.hostIP"::equals).isPresent(),
                "IAMLET_HOST_IP must come from the downward API field status.hostIP");
        environment(agent, CliContract.SERVE_ENV, "serve", v);
        String metricsListen = PodParts.setting(agent, "--metrics-listen", "IAMLET_METRICS_LISTEN",
                "host-ip:" + CliContract.DEFAULT_METRICS_PORT).orElse("");
        String metricsPort = metricsListen.substring(metricsListen.lastIndexOf(':') + 1);
        v.require(list(agent.getPorts()).stream().anyMatch(p -> "metrics".equals(p.getName())
                        && String.valueOf(p.getContainerPort()).equals(metricsPort)),
                "%s must declare the metrics listener's port %s as containerPort `metrics`", AGENT, metricsPort);
    }

    private static void probes(Container agent, Violations v) {
        String listen = PodParts.setting(agent, "--probe-listen", "IAMLET_PROBE_LISTEN",
                CliContract.DEFAULT_PROBE_LISTEN).orElse("");
        v.require(listen.startsWith("127.0.0.1:"), "the probe listener must stay on loopback, was %s", listen);
        probe("startupProbe", agent.getStartupProbe(), "/readyz", listen, v);
        probe("readinessProbe", agent.getReadinessProbe(), "/readyz", listen, v);
        probe("livenessProbe", agent.getLivenessProbe(), "/healthz", listen, v);
    }

    private static void probe(String kind, Probe probe, String path, String listen, Violations v) {
        HTTPGetAction get = probe == null ? null : probe.getHttpGet();
        if (get == null) {
            v.require(false, "%s must be an httpGet probe of %s", kind, path);
            return;
        }
        String port = get.getPort() == null ? null
                : get.getPort().getIntVal() != null ? get.getPort().getIntVal().toString() : get.getPort().getStrVal();
        v.require(path.equals(get.getPath()), "%s must request %s, was %s", kind, path, get.getPath());
        v.require(listen.equals(get.getHost() + ":" + port),
                "%s must target the probe listener %s via host: (hostNetwork), was %s:%s",
                kind, listen, get.getHost(), port);
    }

    private static void resources(Container c, Violations v) {
        var r = c.getResources();
        Map<String, Quantity> requests = r == null || r.getRequests() == null ? Map.of() : r.getRequests();
        Map<String, Quantity> limits = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
        v.require(requests.containsKey("cpu") && requests.containsKey("memory"),
                "%s must request cpu and memory", c.getName());
        v.require(limits.containsKey("memory"),
                "%s must limit memory (the JVM sizes its heap from the limit)", c.getName());
        if (requests.containsKey("memory") && limits.containsKey("memory")) {
            v.require(Quantity.getAmountInBytes(requests.get("memory"))
                            .compareTo(Quantity.getAmountInBytes(limits.get("memory"))) <= 0,
                    "%s requests more memory than its limit", c.getName());
        }
    }

    /**
     * IAMLET_* variables must be ones the subcommand reads (a misspelt one is silently ignored), names unique,
     * and a $(VAR) reference must name a variable defined earlier in the list: the kubelet leaves others as text.
     */
    private static void environment(Container c, Set<String> known, String subcommand, Violations v) {
        Set<String> defined = new HashSet<>();
        for (EnvVar env : list(c.getEnv())) {
            String name = env.getName();
            v.require(!name.startsWith("IAMLET_") || known.contains(name),
                    "%s sets %s, which `iamlet %s` does not read", c.getName(), name, subcommand);
            v.require(!defined.contains(name), "%s sets %s twice", c.getName(), name);
            Matcher reference = REFERENCE.matcher(env.getValue() == null ? "" : env.getValue());
            while (reference.find()) {
                v.require(defined.contains(reference.group(1)),
                        "%s: %s refers to $(%s), which is not defined before it, so the kubelet will not expand it",
                        c.getName(), name, reference.group(1));
            }
            defined.add(name);
        }
    }
}
