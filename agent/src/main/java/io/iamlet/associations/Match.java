package io.iamlet.associations;

import java.util.List;

/** What the associations say about one service account. */
sealed interface Match {

    /** No association matches. */
    record None() implements Match {
    }

    /** The most specific matching association grants this (or several equally specific ones grant exactly this). */
    record Granted(RoleGrant grant) implements Match {
    }

    /**
     * Two equally specific associations match and grant different things (or one of them is broken): denied, as
     * neither can be preferred without guessing. Names in alphabetical order.
     */
    record Tie(String first, String second) implements Match {
    }

    /** The most specific matching association is broken: denied rather than skipped (see {@link Association}). */
    record Invalid(String association, List<String> problems) implements Match {
    }

    Match NONE = new None();
}
