package io.iamlet.webhook;

import io.iamlet.config.CommandLines;
import io.iamlet.config.ConfigurationDoc;
import io.iamlet.logging.LogFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Main class of the webhook's jar: {@code iamlet webhook [flags]}, with the agent's conventions (each flag's
 * IAMLET_* environment twin, validation messages that name the flag, JSON log lines by default).
 */
@Command(addMethodSubcommands = false, name = "iamlet", mixinStandardHelpOptions = true,
        description = "iamlet's admission webhook (the agent's commands are in iamlet.jar).",
        subcommands = {WebhookCommand.class, WebhookMain.ConfigurationDocCommand.class})
public final class WebhookMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> environment) {
        LogFormat.choose(args, environment);
        return commandLine(environment).execute(args);
    }

    public static CommandLine commandLine(Map<String, String> environment) {
        return CommandLines.withEnvironment(new WebhookMain(), environment);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Prints the webhook's part of docs/configuration.md. */
    @Command(addMethodSubcommands = false, name = "configuration-doc", hidden = true,
            description = "Print the webhook's configuration reference.")
    static final class ConfigurationDocCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(ConfigurationDoc.render(commandLine(Map.of())));
            return 0;
        }
    }
}
