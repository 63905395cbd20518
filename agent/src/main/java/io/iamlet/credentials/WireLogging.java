package io.iamlet.credentials;

import ch.qos.logback.classic.Level;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what would print credentials quiet, whatever the root level.
 *
 * <p>Our STS client logs nothing of a request or an answer. The JDK's HTTP client logs headers and bodies only when
 * the system property {@value #JDK_HTTP_LOG} asks for them (Authorization, X-Amz-Security-Token and answers with
 * secret keys): that is refused with a warning at the first STS client. A Netty {@code LoggingHandler} at DEBUG
 * hex-dumps whatever passes through a pipeline that has one; its logger is pinned to INFO (logback only, the
 * project's backend).
 */
final class WireLogging {

    static final List<String> LEAKY = List.of("io.netty.handler.logging.LoggingHandler");
    static final String JDK_HTTP_LOG = "jdk.httpclient.HttpClient.log";

    private static final Logger log = LoggerFactory.getLogger(WireLogging.class);

    private WireLogging() {
    }

    static void quiet() {
        for (String name : LEAKY) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                Level level = logger.getLevel();
                if (level == null || !level.isGreaterOrEqual(Level.INFO)) {
                    logger.setLevel(Level.INFO);
                    log.debug("logger {} kept at INFO: at DEBUG it would log credentials", name);
                }
            }
        }
        String jdkLog = System.getProperty(JDK_HTTP_LOG);
        if (jdkLog != null && !jdkLog.isBlank()) {
            String asked = jdkLog.toLowerCase(Locale.ROOT);
            if (asked.contains("all") || asked.contains("headers") || asked.contains("content")
                    || asked.contains("requests") || asked.contains("frames")) {
                System.clearProperty(JDK_HTTP_LOG);
                log.warn("system property {} cleared: the JDK HTTP client would log STS credentials; it takes effect "
                        + "only if no JDK HTTP client has logged yet", JDK_HTTP_LOG);
            }
        }
    }
}
