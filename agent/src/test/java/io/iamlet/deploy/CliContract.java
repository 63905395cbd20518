package io.iamlet.deploy;

import io.iamlet.Main;
import io.iamlet.config.DurationConverter;
import io.iamlet.config.EnvironmentDefaults;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The command-line contract the manifests rely on, read from the real picocli definitions: which IAMLET_*
 * variables each subcommand reads (so a misspelt variable in a manifest fails the build), and the defaults the
 * manifests lean on.
 */
public final class CliContract {
    public static final Set<String> SERVE_ENV = variablesOf("serve");

    public static final Set<String> NODE_SETUP_ENV = variablesOf("node-setup");

    private static Set<String> variablesOf(String subcommand) {
        var spec = Main.commandLine(Map.of()).getSubcommands().get(subcommand).getCommandSpec();
        return spec.options().stream().filter(o -> !o.usageHelp() && !o.versionHelp())
                .map(EnvironmentDefaults::variableFor).collect(Collectors.toUnmodifiableSet());
    }

    static final String DEFAULT_AUDIENCE = "pods.eks.amazonaws.com";
    static final String DEFAULT_CREDENTIAL_SOURCE = "web-identity";
    static final String DEFAULT_PROBE_LISTEN = "127.0.0.1:2703";
    static final String DEFAULT_METRICS_PORT = "9876";
    static final String DEFAULT_METADATA_PORT = "8181";
    static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);

    /** The container endpoint SDKs are pointed at (AWS_CONTAINER_CREDENTIALS_FULL_URI). */
    static final String CONTAINER_CREDENTIALS_URI = "http://169.254.170.23/v1/credentials";

    private CliContract() {}

    /** Durations as the agent parses them. */
    static Duration duration(String text) {
        return DurationConverter.parse(text);
    }
}
