package io.iamlet;

import io.iamlet.config.AgentConfig;
import io.iamlet.config.ServeOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code iamlet serve}: the agent, as the DaemonSet runs it. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the agent: serve credentials to this node's pods until SIGTERM.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ServeOptions options;

    @Override
    public Integer call() throws Exception {
        AgentConfig config = options.toConfig();
        throw new UnsupportedOperationException("wired in a later commit: " + config.nodeName());
    }
}
