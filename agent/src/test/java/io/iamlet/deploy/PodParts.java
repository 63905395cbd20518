package io.iamlet.deploy;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Null-safe reads of pod specs, so that a broken manifest yields a violation rather than an exception. */
public final class PodParts {
    public static final String AGENT = "iamlet";
    public static final String NODE_SETUP = "node-setup";

    private PodParts() {}

    public static <T> List<T> list(List<T> maybe) {
        return maybe == null ? List.of() : maybe;
    }

    public static Optional<Container> container(PodSpec pod, String name) {
        return list(pod.getContainers()).stream().filter(c -> name.equals(c.getName())).findFirst();
    }

    public static Optional<Container> initContainer(PodSpec pod, String name) {
        return list(pod.getInitContainers()).stream().filter(c -> name.equals(c.getName())).findFirst();
    }

    static SecurityContext securityContext(Container container) {
        return container.getSecurityContext() == null ? new SecurityContext() : container.getSecurityContext();
    }

    static Set<String> added(Container container) {
        Capabilities caps = securityContext(container).getCapabilities();
        return caps == null ? Set.of() : new TreeSet<>(list(caps.getAdd()));
    }

    static Set<String> dropped(Container container) {
        Capabilities caps = securityContext(container).getCapabilities();
        return caps == null ? Set.of() : new TreeSet<>(list(caps.getDrop()));
    }

    public static Optional<EnvVar> env(Container container, String name) {
        return list(container.getEnv()).stream().filter(e -> name.equals(e.getName())).findFirst();
    }

    /** The downward-API field an env var is taken from, if any. */
    static Optional<String> fieldRef(Container container, String name) {
        return env(container, name)
                .filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
                .map(e -> e.getValueFrom().getFieldRef().getFieldPath());
    }

    /**
     * The value a setting takes in this container, as the CLI sees it: a flag in args wins over its
     * IAMLET_* twin, which wins over the default. Values from the downward API are not literal: empty.
     */
    public static Optional<String> setting(Container container, String flag, String envName, String defaultValue) {
        List<String> args = list(container.getArgs());
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(flag) && i + 1 < args.size()) {
                return Optional.of(args.get(i + 1));
            }
            if (args.get(i).startsWith(flag + "=")) {
                return Optional.of(args.get(i).substring(flag.length() + 1));
            }
        }
        Optional<EnvVar> env = env(container, envName);
        if (env.isPresent()) {
            return Optional.ofNullable(env.get().getValue());
        }
        return Optional.ofNullable(defaultValue);
    }
}
