package io.iamlet.node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A fake host: answers commands from a script (default: exit 0, no output) and records every call in order. */
final class ScriptedRunner implements CommandRunner {

    static final Tools TOOLS = new Tools("ip", Optional.of("iptables"), Optional.of("iptables-restore"));
    static final Tools TOOLS_V6 = new Tools("ip", Optional.of("iptables"), Optional.of("iptables-restore"),
            Optional.of("ip6tables"), Optional.of("ip6tables-restore"));

    record Call(String line, String stdin) {}

    private final Map<String, Deque<Result>> answers = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();

    /** Answers {@code commandLine} (argv joined by spaces) with {@code results} in turn; the last one repeats. */
    ScriptedRunner on(String commandLine, Result... results) {
        answers.computeIfAbsent(commandLine, k -> new ArrayDeque<>()).addAll(List.of(results));
        return this;
    }

    ScriptedRunner onOutput(String commandLine, String stdout) {
        return on(commandLine, new Result(0, stdout, ""));
    }

    ScriptedRunner onFailure(String commandLine, int exit, String stderr) {
        return on(commandLine, new Result(exit, "", stderr));
    }

    @Override
    public Result run(List<String> argv, String stdin) {
        String line = String.join(" ", argv);
        calls.add(new Call(line, stdin));
        Deque<Result> queue = answers.get(line);
        if (queue == null || queue.isEmpty()) {
            return new Result(0, "", "");
        }
        return queue.size() > 1 ? queue.poll() : queue.peek();
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<String> commandLines() {
        return calls.stream().map(Call::line).toList();
    }

    /** Standard input of the only call whose line is {@code commandLine}. */
    String stdinOf(String commandLine) {
        List<String> inputs = calls.stream().filter(c -> c.line().equals(commandLine)).map(Call::stdin).toList();
        if (inputs.size() != 1) {
            throw new AssertionError("expected exactly one call of '" + commandLine + "', got " + commandLines());
        }
        return inputs.getFirst();
    }
}
