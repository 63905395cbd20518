package io.iamlet.node;

import java.util.List;

/**
 * Runs one external command. The seam between the node set-up logic and the host: production runs processes
 * ({@link ProcessCommandRunner}), unit tests answer from a script and record what was asked.
 *
 * <p>Commands are argument arrays, never shell strings. A non-zero exit is a normal result, not an exception: the
 * caller decides what it means (absent link, missing rule). Exceptions are reserved for "could not run at all"
 * (missing binary, timeout).
 */
interface CommandRunner {

    /** Runs {@code argv} with {@code stdin} (may be empty) fed to its standard input. */
    Result run(List<String> argv, String stdin);

    default Result run(List<String> argv) {
        return run(argv, "");
    }

    /** What a command printed and how it ended. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }
}
