package io.iamlet.e2e;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Every log event of the JVM while attached, rendered with its key-value pairs, for "no secret in logs" checks. */
final class LogCapture implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    LogCapture() {
        appender.start();
        root.addAppender(appender);
    }

    List<ILoggingEvent> events() {
        synchronized (appender.list) {
            return List.copyOf(appender.list);
        }
    }

    /** Each event as one line: logger, formatted message, key-values, throwable text. */
    List<String> lines() {
        return events().stream().map(LogCapture::render).toList();
    }

    static String render(ILoggingEvent e) {
        String kv = e.getKeyValuePairs() == null ? "" : e.getKeyValuePairs().stream()
                .map(p -> p.key + "=" + p.value).collect(Collectors.joining(" "));
        String args = e.getArgumentArray() == null ? "" : java.util.Arrays.toString(e.getArgumentArray());
        String thrown = e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getClassName() + ": "
                + e.getThrowableProxy().getMessage();
        return e.getLoggerName() + " " + e.getFormattedMessage() + " " + kv + " " + args + " " + thrown;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
    }
}
