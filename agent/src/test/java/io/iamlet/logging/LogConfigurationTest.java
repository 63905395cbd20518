package io.iamlet.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The logging iamlet sets up in code: found by logback, right encoder per format, secret printers pinned. */
class LogConfigurationTest {

    @Test
    void logbackFindsTheConfigurationAsAService() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
                .contains(LogConfiguration.class);
    }

    @ParameterizedTest
    @CsvSource({"json, JsonLineEncoder", "text, TextLineEncoder", "anything-else, JsonLineEncoder"})
    void eachFormatWritesThroughTheNonBlockingAppender(String format, String encoder) {
        var context = new LoggerContext();
        try {
            LogConfiguration.apply(context, format, "INFO");

            var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            var async = (NonBlockingAppender) root.getAppender("async");
            assertThat(async).isNotNull();
            assertThat(async.isStarted()).isTrue();
            assertThat(async.getQueueSize()).isEqualTo(8192);
            var console = (ConsoleAppender<?>) async.iteratorForAppenders().next();
            assertThat(console.getEncoder().getClass().getSimpleName()).isEqualTo(encoder);
            assertThat(console.getTarget()).isEqualTo("System.out");
        } finally {
            context.stop();
        }
    }

    @ParameterizedTest
    @CsvSource({"DEBUG, DEBUG", "debug, DEBUG", "WARN, WARN", "nonsense, INFO"})
    void theRootLevelFollowsTheProperty(String property, String level) {
        var context = new LoggerContext();
        try {
            LogConfiguration.apply(context, "json", property);
            assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.toLevel(level));
        } finally {
            context.stop();
        }
    }

    @Test
    void loggersThatPrintSecretsStayAtInfoOrAboveUnderADebugRoot() {
        var context = new LoggerContext();
        try {
            LogConfiguration.apply(context, "json", "DEBUG");
            for (String secretPrinter : new String[] {"io.netty.handler.logging.LoggingHandler",
                    "software.amazon.awssdk.http.auth.aws.internal.signer", "software.amazon.awssdk.auth.signer",
                    "jdk.internal.httpclient.debug", "io.fabric8.kubernetes.client.http.HttpLoggingInterceptor"}) {
                assertThat(context.getLogger(secretPrinter).getEffectiveLevel().isGreaterOrEqual(Level.INFO))
                        .as(secretPrinter + " stays at INFO or above under a DEBUG root").isTrue();
            }
            assertThat(context.getLogger("io.iamlet.Agent").getEffectiveLevel()).isEqualTo(Level.DEBUG);
        } finally {
            context.stop();
        }
    }
}
