package io.iamlet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped logging configurations load cleanly and never let secret-printing loggers go below INFO. */
class LoggingConfigTest {

    @ParameterizedTest
    @ValueSource(strings = {"/logback.xml", "/logback-text.xml"})
    void shippedConfigurationLoadsWithoutWarnings(String resource) throws Exception {
        var context = new LoggerContext();
        context.putProperty("iamlet.log.level", "DEBUG");
        System.setProperty("iamlet.log.level", "DEBUG");
        try {
            var configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(getClass().getResource(resource));

            assertThat(context.getStatusManager().getCopyOfStatusList())
                    .allSatisfy(s -> assertThat(s.getLevel()).as(s.toString()).isEqualTo(Status.INFO));
            assertThat(context.getLogger("ROOT").getLevel()).isEqualTo(Level.DEBUG);
            for (String secretPrinter : new String[] {"io.netty.handler.logging.LoggingHandler",
                    "software.amazon.awssdk.http.auth.aws.internal.signer", "software.amazon.awssdk.auth.signer"}) {
                assertThat(context.getLogger(secretPrinter).getEffectiveLevel().isGreaterOrEqual(Level.INFO))
                        .as(secretPrinter + " stays at INFO or above under a DEBUG root").isTrue();
            }
        } finally {
            System.clearProperty("iamlet.log.level");
            context.stop();
        }
    }
}
