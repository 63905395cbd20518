package io.iamlet;

import io.iamlet.config.CommandLines;
import io.iamlet.config.ConfigurationDoc;
import io.iamlet.logging.LogFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code iamlet}: the node-local AWS credential agent. Subcommands do the work.
 *
 * <p>No command of iamlet's declares a subcommand as a method, so each (the webhook's too) says
 * {@code addMethodSubcommands = false}: picocli then does not read the annotations of every method of every command
 * class at start (that was about a sixth of the time the command line took to build, under a profiler, including
 * annotation proxies of JDK types).
 */
@Command(addMethodSubcommands = false, name = "iamlet", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class, description = "Node-local AWS credential agent for Kubernetes.",
        subcommands = {ServeCommand.class, NodeCommands.Setup.class, NodeCommands.Teardown.class,
                Main.ConfigurationDocCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> environment) {
        LogFormat.choose(args, environment);
        return commandLine(environment).execute(args);
    }

    /** The whole command tree, with every option's environment twin read from {@code environment}. */
    public static CommandLine commandLine(Map<String, String> environment) {
        return CommandLines.withEnvironment(new Main(), environment);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Prints docs/configuration.md. */
    @Command(addMethodSubcommands = false, name = "configuration-doc", hidden = true,
            description = "Print docs/configuration.md.")
    static final class ConfigurationDocCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(ConfigurationDoc.render(commandLine(Map.of())));
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"iamlet " + (v == null ? "dev" : v)};
        }
    }
}
