package io.iamlet.pods;

import java.util.Objects;

/**
 * Which pods the index watches: those scheduled to one node.
 *
 * <p>In production the API server filters with the field selector {@code spec.nodeName=<node>}, so memory and
 * API-server load grow with the pods on this node, not with the cluster. The index also filters on its side
 * whatever the selector, so a pod of another node is never indexed even when the server ignores the selector.
 *
 * @param nodeName    this node's name ({@code --node-name}, downward API {@code spec.nodeName})
 * @param serverSide  send the field selector to the API server; false only for servers that do not implement it
 *                    (the fabric8 mock server used by tests and {@code iamlet demo} answers it with nothing)
 */
public record PodSelector(String nodeName, boolean serverSide) {

    public PodSelector {
        Objects.requireNonNull(nodeName, "nodeName");
        if (nodeName.isBlank()) {
            throw new IllegalArgumentException("--node-name must not be blank");
        }
    }

    /** The production selector: the API server sends only this node's pods. */
    public static PodSelector node(String nodeName) {
        return new PodSelector(nodeName, true);
    }

    /** Lists every pod and keeps this node's: only for API servers without field selectors (the fabric8 mock). */
    public static PodSelector clientSideOnly(String nodeName) {
        return new PodSelector(nodeName, false);
    }
}
