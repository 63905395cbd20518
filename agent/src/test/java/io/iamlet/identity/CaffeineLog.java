package io.iamlet.identity;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What Caffeine logs through {@code System.Logger} while open. Outside logback, it lands on stderr as two-line
 * java.util.logging records: a failed load, for example, is logged at WARNING with its stack trace.
 */
final class CaffeineLog implements AutoCloseable {

    /** Held strongly: java.util.logging keeps loggers only weakly, and the handler with them. */
    private final Logger caffeine = Logger.getLogger("com.github.benmanes.caffeine");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    CaffeineLog() {
        caffeine.addHandler(handler);
    }

    List<String> messages() {
        return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
    }

    @Override
    public void close() {
        caffeine.removeHandler(handler);
    }
}
