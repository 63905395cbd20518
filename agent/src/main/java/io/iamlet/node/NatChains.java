package io.iamlet.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * iamlet's own chains in one address family's {@code nat} table, each with one jump from the built-in chains it
 * hooks, brought to the wanted state in one {@code iptables-restore --noflush} transaction.
 *
 * <p>Invariants and why:
 * <ul>
 *   <li>The table is read first ({@code -t nat -S}); a chain that already holds exactly its rules with exactly one
 *       jump per hook is not written, so a second run changes nothing.</li>
 *   <li>Declaring a chain in the restore input flushes it, so its rules are replaced atomically: there is no moment
 *       in which the old rules are gone and the new ones not yet there.</li>
 *   <li>A chain wanted with no rules is removed with every jump to it; only chains and jumps that are ours (by
 *       name and comment) are touched.</li>
 *   <li>Missing jumps are inserted first in their hook; duplicates (from older, racing runs) are reduced to one.</li>
 * </ul>
 */
final class NatChains {

    static final String COMMENT = "iamlet";
    private static final String LOCK_WAIT_SECONDS = "5";

    /** A chain of ours: its name, the built-in chains that jump to it, and its rules in {@code -S} form. */
    record Chain(String name, List<String> hooks, List<String> rules) {
        Chain {
            hooks = List.copyOf(hooks);
            rules = List.copyOf(rules);
        }

        /** The jump from {@code hook}, as {@code iptables -S} prints it. */
        String jump(String hook) {
            return "-A " + hook + " " + jumpSpec();
        }

        String jumpSpec() {
            return "-m comment --comment " + COMMENT + " -j " + name;
        }
    }

    /** What the table holds of one chain of ours. */
    record State(boolean exists, Map<String, Integer> jumps, List<String> rules) {
        static State of(String listing, Chain chain) {
            boolean exists = false;
            Map<String, Integer> jumps = new LinkedHashMap<>();
            chain.hooks().forEach(hook -> jumps.put(hook, 0));
            List<String> rules = new ArrayList<>();
            for (String raw : listing.split("\n")) {
                String line = raw.strip();
                if (line.equals("-N " + chain.name())) {
                    exists = true;
                } else if (line.startsWith("-A " + chain.name() + " ")) {
                    rules.add(line);
                } else {
                    for (String hook : chain.hooks()) {
                        if (line.equals(chain.jump(hook))) {
                            jumps.merge(hook, 1, Integer::sum);
                        }
                    }
                }
            }
            return new State(exists, Map.copyOf(jumps), List.copyOf(rules));
        }

        boolean inPlace(Chain wanted) {
            return jumps.values().stream().allMatch(n -> n == 1) && rules.equals(wanted.rules());
        }

        boolean absent() {
            return !exists && jumps.values().stream().allMatch(n -> n == 0);
        }
    }

    private final CommandRunner runner;
    private final String iptables;
    private final String restore;

    NatChains(CommandRunner runner, String iptables, String restore) {
        this.runner = runner;
        this.iptables = iptables;
        this.restore = restore;
    }

    /**
     * Brings each chain to its wanted rules (none: removed). Returns the names of the chains this run wrote, in
     * order; empty when everything was already in place.
     */
    List<String> apply(List<Chain> wanted) {
        String listing = list();
        StringBuilder script = new StringBuilder("*nat\n");
        List<String> changed = new ArrayList<>();
        for (Chain chain : wanted) {
            State state = State.of(listing, chain);
            if (chain.rules().isEmpty() ? state.absent() : state.inPlace(chain)) {
                continue;
            }
            changed.add(chain.name());
            script.append(':').append(chain.name()).append(" - [0:0]\n");
            chain.rules().forEach(rule -> script.append(rule).append('\n'));
            for (String hook : chain.hooks()) {
                int jumps = state.jumps().get(hook);
                int keep = chain.rules().isEmpty() ? 0 : 1;
                if (jumps < keep) {
                    script.append("-I ").append(hook).append(" 1 ").append(chain.jumpSpec()).append('\n');
                }
                for (int i = keep; i < jumps; i++) {
                    script.append("-D ").append(hook).append(' ').append(chain.jumpSpec()).append('\n');
                }
            }
            if (chain.rules().isEmpty()) {
                script.append("-X ").append(chain.name()).append('\n');
            }
        }
        if (!changed.isEmpty()) {
            write(script.append("COMMIT\n").toString());
        }
        return List.copyOf(changed);
    }

    private String list() {
        List<String> argv = List.of(iptables, "-w", LOCK_WAIT_SECONDS, "-t", "nat", "-S");
        CommandRunner.Result result = runner.run(argv);
        if (!result.ok()) {
            throw NodeCommandException.failed(argv, result);
        }
        return result.stdout();
    }

    private void write(String script) {
        List<String> argv = List.of(restore, "-w", LOCK_WAIT_SECONDS, "--noflush");
        CommandRunner.Result result = runner.run(argv, script);
        if (!result.ok()) {
            throw new NodeCommandException("command failed (exit " + result.exitCode() + "): " + String.join(" ", argv)
                    + " with input:\n" + script + result.stderr().strip());
        }
    }
}
