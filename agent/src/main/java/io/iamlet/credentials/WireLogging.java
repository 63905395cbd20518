package io.iamlet.credentials;

import ch.qos.logback.classic.Level;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the loggers that would print credentials at INFO or quieter, whatever the root level.
 *
 * <p>SDK 2.57.8's Netty client puts a {@code LoggingHandler(DEBUG)} in every channel pipeline, unconditionally: at
 * DEBUG, logger {@code io.netty.handler.logging.LoggingHandler} hex-dumps STS requests (web-identity tokens) and
 * responses (secret keys, session tokens). The SigV4 signer logs the canonical request at DEBUG, with the
 * {@code x-amz-security-token} of the node's session credentials in it. Setting a level explicitly on these loggers
 * makes a later {@code root=DEBUG} leave them quiet. Only logback is handled (the project's backend).
 */
final class WireLogging {

    static final List<String> LEAKY = List.of(
            "io.netty.handler.logging.LoggingHandler",
            "software.amazon.awssdk.http.auth.aws.internal.signer",
            "software.amazon.awssdk.auth.signer");

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
    }
}
