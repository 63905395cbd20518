package io.iamlet.logging;

import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * One line for a person at a terminal ({@code --log-format text}), carrying the same fields as
 * {@link JsonLineEncoder}'s line: {@code 07:17:51.440 INFO  i.i.s.HttpServer - listening server="container"
 * address="127.0.0.1:8080"}, then the stack trace (root cause first, as in JSON's {@code stack_trace}) on the
 * following lines. MDC entries and key-value pairs follow the message as {@code key="value"}; a null value is left
 * out, as in JSON. The time is the local time of day (the JSON line carries the full instant).
 */
public final class TextLineEncoder extends EncoderBase<ILoggingEvent> {

    private static final int LOGGER_LENGTH = 20;

    private final DateTimeFormatter time;
    private final TargetLengthBasedClassNameAbbreviator abbreviator =
            new TargetLengthBasedClassNameAbbreviator(LOGGER_LENGTH);
    private final ShortStackTrace stackTrace = new ShortStackTrace(JsonLineEncoder.FRAMES_PER_THROWABLE);

    public TextLineEncoder() {
        this(ZoneId.systemDefault());
    }

    TextLineEncoder(ZoneId zone) {
        this.time = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(zone);
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(160);
        time.formatTo(event.getInstant(), line);
        String level = event.getLevel().toString();
        line.append(' ').append(level).repeat(' ', Math.max(0, 5 - level.length()));
        line.append(' ').append(abbreviator.abbreviate(event.getLoggerName())).append(" - ");
        if (event.getFormattedMessage() != null) {
            line.append(event.getFormattedMessage());
        }
        for (Map.Entry<String, String> entry : event.getMDCPropertyMap().entrySet()) {
            field(line, entry.getKey(), entry.getValue());
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair pair : pairs) {
                field(line, pair.key, pair.value);
            }
        }
        line.append('\n');
        if (event.getThrowableProxy() != null) {
            line.append(stackTrace.render(event.getThrowableProxy()));
            if (line.charAt(line.length() - 1) != '\n') {
                line.append('\n');
            }
        }
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder line, String key, Object value) {
        if (value != null) {
            line.append(' ').append(key).append("=\"").append(value).append('"');
        }
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
