package io.iamlet.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Holds one request inside FakeSts until the test releases it (to line up concurrent callers). */
public final class FakeStsGate {

    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    /** Whether a request reached the gate within {@code timeout}. */
    public boolean awaitArrival(Duration timeout) throws InterruptedException {
        return arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean arrived() {
        return arrived.getCount() == 0;
    }

    public void release() {
        released.countDown();
    }

    void pass() throws InterruptedException {
        arrived.countDown();
        if (!released.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("FakeStsGate was never released");
        }
    }
}
