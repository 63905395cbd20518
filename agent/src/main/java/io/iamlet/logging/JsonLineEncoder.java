package io.iamlet.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.io.ByteArrayOutputStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.slf4j.event.KeyValuePair;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON object per line, for log pipelines:
 * {@code {"time":..,"message":..,"logger_name":..,"level":..,"stack_trace":..,<MDC>,<key-value pairs>}}.
 *
 * <p>The line logstash-logback-encoder wrote with our configuration (same fields, same order, same types), without
 * its ~80 classes and its own Jackson setup. Key-value pairs ({@code LOG.atInfo().addKeyValue(..)}) become
 * top-level fields written by Jackson, so they keep their JSON type: {@code "status":401}, {@code "audit":true}; a
 * null value leaves its field out. The stack trace is root cause first, {@value #FRAMES_PER_THROWABLE} frames per
 * throwable ({@link ShortStackTrace}).
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

    static final int FRAMES_PER_THROWABLE = 20;
    private static final byte[] NEWLINE = {'\n'};

    private final DateTimeFormatter time;
    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final ShortStackTrace stackTrace = new ShortStackTrace(FRAMES_PER_THROWABLE);

    /** As logstash-logback-encoder did: ISO-8601 with the offset of the JVM's zone ("Z" in a container on UTC). */
    public JsonLineEncoder() {
        this(ZoneId.systemDefault());
    }

    JsonLineEncoder(ZoneId zone) {
        this.time = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(zone);
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = mapper.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringProperty("time", time.format(event.getInstant()));
            if (event.getFormattedMessage() != null) {
                json.writeStringProperty("message", event.getFormattedMessage());
            }
            json.writeStringProperty("logger_name", event.getLoggerName());
            json.writeStringProperty("level", event.getLevel().toString());
            if (event.getThrowableProxy() != null) {
                json.writeStringProperty("stack_trace", stackTrace.render(event.getThrowableProxy()));
            }
            for (Map.Entry<String, String> entry : event.getMDCPropertyMap().entrySet()) {
                json.writeStringProperty(entry.getKey(), entry.getValue());
            }
            List<KeyValuePair> pairs = event.getKeyValuePairs();
            if (pairs != null) {
                for (KeyValuePair pair : pairs) {
                    if (pair.value != null) {
                        json.writePOJOProperty(pair.key, pair.value);
                    }
                }
            }
            json.writeEndObject();
        }
        out.writeBytes(NEWLINE);
        return out.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
