package io.iamlet.config;

import java.util.Map;
import picocli.CommandLine;

/** How every iamlet entry point (agent, webhook) builds its command line. */
public final class CommandLines {

    private CommandLines() {
    }

    /**
     * {@code root}'s command tree, with every option's environment twin read from {@code environment}; a setting that
     * fails validation ends the command with its message and exit status 2.
     */
    public static CommandLine withEnvironment(Object root, Map<String, String> environment) {
        return new CommandLine(root)
                .setDefaultValueProvider(new EnvironmentDefaults(environment))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof IllegalArgumentException) {
                        // a setting failed validation: the message names it; a stack trace would only hide it
                        cmd.getErr().println("iamlet: " + e.getMessage());
                        return 2;
                    }
                    throw e;
                });
    }
}
