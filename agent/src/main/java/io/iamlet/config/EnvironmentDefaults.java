package io.iamlet.config;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives every option its environment variable twin: {@code --unknown-ip-wait} reads {@code IAMLET_UNKNOWN_IP_WAIT}.
 * A set variable beats the annotated default; a flag on the command line beats both. One rule, so the twin of a
 * flag never has to be written down twice (docs/configuration.md is generated from the same rule).
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {

    private final Map<String, String> environment;

    public EnvironmentDefaults(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The environment variable that stands in for an option. */
    public static String variableFor(OptionSpec option) {
        String name = option.longestName();
        int start = 0;
        while (start < name.length() && name.charAt(start) == '-') {
            start++; // not a regular expression: this runs for every option while the command line is built
        }
        return "IAMLET_" + name.substring(start).replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (argSpec instanceof OptionSpec option) {
            String value = environment.get(variableFor(option));
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return null;
    }
}
