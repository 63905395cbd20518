package io.iamlet.node;

import java.util.List;

/**
 * Node set-up or teardown could not complete: a required binary is missing, or a command failed or timed out.
 * The message names the command and quotes its standard error (which never carries secrets: these commands only
 * see interface names, addresses and ports). The CLI prints it and exits non-zero, so the init container fails
 * and the DaemonSet pod does not start half-configured.
 */
public final class NodeCommandException extends RuntimeException {

    NodeCommandException(String message) {
        super(message);
    }

    NodeCommandException(String message, Throwable cause) {
        super(message, cause);
    }

    static NodeCommandException failed(List<String> argv, CommandRunner.Result result) {
        return new NodeCommandException("command failed (exit " + result.exitCode() + "): " + String.join(" ", argv)
                + ": " + result.stderr().strip());
    }
}
