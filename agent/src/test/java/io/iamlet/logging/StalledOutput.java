package io.iamlet.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;

/** A log output that can be made to stall, as stdout does when its reader stops reading: writes wait until released. */
final class StalledOutput extends AppenderBase<ILoggingEvent> {

    private final Object gate = new Object();
    private boolean stalled;
    private final List<ILoggingEvent> lines = new ArrayList<>();

    void stall() {
        synchronized (gate) {
            stalled = true;
        }
    }

    void release() {
        synchronized (gate) {
            stalled = false;
            gate.notifyAll();
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        synchronized (gate) {
            while (stalled) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    // a write to a stalled pipe does not give up when interrupted either
                }
            }
            lines.add(event);
        }
    }

    List<ILoggingEvent> lines() {
        synchronized (gate) {
            return List.copyOf(lines);
        }
    }

    int written() {
        return lines().size();
    }
}
