package io.iamlet.webhook;

import io.iamlet.config.ConfigurationDoc;
import io.iamlet.config.EnvironmentDefaults;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Main class of the webhook's jar: {@code iamlet webhook [flags]}, with the agent's conventions (each flag's
 * IAMLET_* environment twin, validation messages that name the flag, JSON log lines by default).
 */
@Command(name = "iamlet", mixinStandardHelpOptions = true,
        description = "iamlet's admission webhook (the agent's commands are in iamlet.jar).",
        subcommands = {WebhookCommand.class, WebhookMain.ConfigurationDocCommand.class})
public final class WebhookMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> environment) {
        chooseLogFormat(args, environment);
        return commandLine(environment).execute(args);
    }

    public static CommandLine commandLine(Map<String, String> environment) {
        return new CommandLine(new WebhookMain())
                .setDefaultValueProvider(new EnvironmentDefaults(environment))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof IllegalArgumentException) {
                        cmd.getErr().println("iamlet: " + e.getMessage());
                        return 2;
                    }
                    throw e;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** logback reads its configuration at the first logger: the format is chosen before picocli runs. */
    private static void chooseLogFormat(String[] args, Map<String, String> environment) {
        String format = environment.getOrDefault("IAMLET_LOG_FORMAT", "json");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--log-format") && i + 1 < args.length) {
                format = args[i + 1];
            } else if (args[i].startsWith("--log-format=")) {
                format = args[i].substring("--log-format=".length());
            }
        }
        if ("text".equals(format) && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-text.xml");
        }
    }

    /** Prints the webhook's part of docs/configuration.md. */
    @Command(name = "configuration-doc", hidden = true, description = "Print the webhook's configuration reference.")
    static final class ConfigurationDocCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(ConfigurationDoc.render(commandLine(Map.of())));
            return 0;
        }
    }
}
