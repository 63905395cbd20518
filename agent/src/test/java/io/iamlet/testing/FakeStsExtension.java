package io.iamlet.testing;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link FakeSts} for a test class, as a JUnit extension: started when the class is initialised, reset after
 * each test (calls, faults, holds, token validator, lifetime), closed after the class together with the clients
 * handed to {@link #closing}. Register it in a static field, so that other static fields can use it:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final FakeStsExtension fake = new FakeStsExtension(clock);
 * static final FakeSts sts = fake.sts();
 * static final StsAsyncClient client = fake.closing(StsClients.forWebIdentity(settingsFor(sts)));
 * }</pre>
 */
public final class FakeStsExtension implements AfterEachCallback, AfterAllCallback {

    private final FakeSts sts;
    private final List<AutoCloseable> clients = new CopyOnWriteArrayList<>();

    /** Issues expirations by the system clock. */
    public FakeStsExtension() {
        this(Clock.systemUTC());
    }

    /** Issues times and expirations by {@code clock}. */
    public FakeStsExtension(Clock clock) {
        this.sts = FakeSts.start(clock);
    }

    public FakeSts sts() {
        return sts;
    }

    /** Returns {@code client}, to be closed after the class, before the FakeSts. */
    public <C extends AutoCloseable> C closing(C client) {
        clients.add(client);
        return client;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        sts.reset();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            for (AutoCloseable client : clients.reversed()) {
                client.close();
            }
        } finally {
            sts.close();
        }
    }
}
