package io.iamlet.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The real runner against /bin/sh: output capture, stdin, exit status, timeout, missing binary. */
class ProcessCommandRunnerIT {

    final ProcessCommandRunner runner = new ProcessCommandRunner(List.of(), Duration.ofSeconds(10));

    @Test
    void capturesOutputErrorAndExitStatusSeparately() {
        CommandRunner.Result result = runner.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"));

        assertThat(result).isEqualTo(new CommandRunner.Result(3, "out\n", "err\n"));
        assertThat(result.ok()).isFalse();
    }

    @Test
    void argumentsAreNeverInterpretedByAShell() {
        CommandRunner.Result result = runner.run(List.of("/bin/echo", "a; rm -rf /nonexistent", "$HOME", "`id`"));

        assertThat(result.stdout()).isEqualTo("a; rm -rf /nonexistent $HOME `id`\n");
    }

    @Test
    void feedsStandardInput() {
        CommandRunner.Result result = runner.run(List.of("/bin/cat"), "*nat\nCOMMIT\n");

        assertThat(result).isEqualTo(new CommandRunner.Result(0, "*nat\nCOMMIT\n", ""));
    }

    @Test
    void drainsLargeOutputOnBothStreamsWithoutStalling() {
        CommandRunner.Result result = runner.run(List.of("/bin/sh", "-c",
                "i=0; while [ $i -lt 20000 ]; do echo stdout-line-$i; echo stderr-line-$i >&2; i=$((i+1)); done"));

        assertThat(result.stdout().lines()).hasSize(20000);
        assertThat(result.stderr().lines()).hasSize(20000);
    }

    @Test
    void runsCommandsBehindThePrefix() {
        ProcessCommandRunner prefixed = new ProcessCommandRunner(List.of("/usr/bin/env", "IAMLET_PREFIX=yes"),
                Duration.ofSeconds(10));

        assertThat(prefixed.run(List.of("/bin/sh", "-c", "echo $IAMLET_PREFIX")).stdout()).isEqualTo("yes\n");
    }

    @Test
    void forcesTheCLocaleSoErrorTextsAreRecognisable() {
        assertThat(runner.run(List.of("/bin/sh", "-c", "echo $LC_ALL")).stdout()).isEqualTo("C\n");
    }

    @Test
    @Timeout(10)
    void killsACommandThatOutlivesTheTimeout() {
        ProcessCommandRunner impatient = new ProcessCommandRunner(List.of(), Duration.ofMillis(300));

        assertThatThrownBy(() -> impatient.run(List.of("/bin/sleep", "60")))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("timed out after 300 ms: /bin/sleep 60");
    }

    @Test
    void missingBinaryIsAClearError() {
        assertThatThrownBy(() -> runner.run(List.of("/nonexistent/iptables", "-S")))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("cannot run /nonexistent/iptables -S");
    }
}
