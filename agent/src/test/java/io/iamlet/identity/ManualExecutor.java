package io.iamlet.identity;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/** Queues tasks until the test runs them, so a test can tell whether any asynchronous work was asked for. */
final class ManualExecutor implements Executor {

    private final Queue<Runnable> queue = new ArrayDeque<>();
    private int executed;

    @Override
    public synchronized void execute(Runnable task) {
        queue.add(task);
    }

    /** Runs queued tasks, and the tasks they queue, until none is left. */
    void runAll() {
        for (Runnable next = poll(); next != null; next = poll()) {
            next.run();
        }
    }

    synchronized int pending() {
        return queue.size();
    }

    synchronized int executed() {
        return executed;
    }

    private synchronized Runnable poll() {
        Runnable r = queue.poll();
        if (r != null) {
            executed++;
        }
        return r;
    }
}
