package io.iamlet.testing;

/**
 * How many objects the stand-in API server holds besides the ones it stores: pods on other nodes, namespaces and
 * service accounts that are generated when asked for, never created (see {@link GeneratedCluster}). All zero: the
 * API server holds only what was created through it.
 */
public record ClusterScale(int pods, int namespaces, int serviceAccounts) {

    public static final ClusterScale NONE = new ClusterScale(0, 0, 0);

    public ClusterScale {
        require("--scale-pods", pods);
        require("--scale-namespaces", namespaces);
        require("--scale-service-accounts", serviceAccounts);
    }

    public boolean isNone() {
        return pods == 0 && namespaces == 0 && serviceAccounts == 0;
    }

    private static void require(String setting, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(setting + " must be 0 or more, was " + value);
        }
    }
}
