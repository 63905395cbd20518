package io.iamlet.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;
import java.util.Map;

/**
 * iamlet's logging, set up in code rather than from an XML file: logback's XML configurator loads ~250 classes of
 * its own and the JDK's XML parser (~190 more), paid in memory on every node and ~0.2 s at start.
 *
 * <p>What it sets up: one console appender on stdout with {@link JsonLineEncoder} (or {@link TextLineEncoder} when
 * the system property {@value #FORMAT_PROPERTY} is {@code text}, set by {@link LogFormat}), behind a
 * {@link NonBlockingAppender} (queue {@value #QUEUE_SIZE}, {@value #MAX_FLUSH_MILLIS} ms to flush at stop); the root
 * level from the system property {@value #LEVEL_PROPERTY} (default INFO); the loggers that print request bodies or
 * signed headers at DEBUG pinned at INFO or above whatever the root level is, and chatty libraries at WARN.
 *
 * <p>An operator's own configuration still wins: with {@code -Dlogback.configurationFile=...} (or a
 * {@code logback-test.xml} on the class path, as in this project's tests) this configurator steps aside and logback
 * reads that file as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfiguration extends ContextAwareBase implements Configurator {

    static final String FORMAT_PROPERTY = "iamlet.log.format";
    static final String LEVEL_PROPERTY = "iamlet.log.level";
    static final int QUEUE_SIZE = 8192;
    static final int MAX_FLUSH_MILLIS = 1000;

    /** Loggers that print request bodies and signed headers (tokens, keys) at DEBUG: never below INFO. */
    static final Map<String, Level> PINNED = Map.of(
            "io.netty.handler.logging.LoggingHandler", Level.INFO,
            "io.netty", Level.WARN,
            "io.fabric8", Level.WARN,
            "io.vertx", Level.WARN,
            "software.amazon.awssdk", Level.WARN,
            "java.net.http", Level.WARN,
            "jdk.internal.httpclient", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogConfiguration.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, System.getProperty(FORMAT_PROPERTY, "json"), System.getProperty(LEVEL_PROPERTY, "INFO"));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Sets up {@code context} for {@code format} ("text" or anything else: JSON) at root level {@code level}. */
    static void apply(LoggerContext context, String format, String level) {
        Encoder<ILoggingEvent> encoder = "text".equals(format) ? new TextLineEncoder() : new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(format.equals("text") ? "text" : "json");
        console.setEncoder(encoder);
        console.start();

        NonBlockingAppender async = new NonBlockingAppender();
        async.setContext(context);
        async.setName("async");
        async.setQueueSize(QUEUE_SIZE);
        async.setMaxFlushTime(MAX_FLUSH_MILLIS);
        async.addAppender(console);
        async.start();

        PINNED.forEach((name, pinned) -> context.getLogger(name).setLevel(pinned));
        var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level.toUpperCase(Locale.ROOT), Level.INFO));
        root.addAppender(async);
    }
}
