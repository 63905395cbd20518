package io.iamlet.deploy;

import java.util.ArrayList;
import java.util.List;

/** Collects the broken invariants of one validation run, each as a sentence naming the object and the rule. */
final class Violations {
    private final List<String> found = new ArrayList<>();

    void require(boolean holds, String message, Object... args) {
        if (!holds) {
            found.add(message.formatted(args));
        }
    }

    List<String> list() {
        return List.copyOf(found);
    }
}
