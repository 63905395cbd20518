package io.iamlet;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code iamlet demo}: the agent on loopback against embedded stand-ins. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run iamlet on loopback against an embedded API server and STS stand-in, and show a real "
                + "AWS SDK obtaining credentials. Needs no cluster and no AWS account.")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("wired in a later commit");
    }
}
