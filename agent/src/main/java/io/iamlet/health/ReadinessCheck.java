package io.iamlet.health;

/**
 * One condition of readiness, e.g. "the pod informer has synced". Called on the event loop for every
 * {@code /readyz} and on the scrape thread for the {@code iamlet_ready} gauge: it must answer from memory at once
 * (a volatile read, a flag), never wait for I/O. A condition that needs I/O to find out (can the node's
 * credentials be used?) is a {@link PolledCheck}.
 */
@FunctionalInterface
public interface ReadinessCheck {

    /** Whether the condition holds now. */
    boolean ready();

    /** A few words on the current state for {@code /readyz?verbose}, or null. Never anything secret. */
    default String detail() {
        return null;
    }
}
