package io.iamlet.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The text format ({@code --log-format text}, what the demo shows) carries the same fields as the JSON line: the
 * same message, level, logger, key-value pairs and MDC entries (a null value left out of both) and the same stack
 * trace. Rendered from the events the JSON encoder's own test uses.
 */
class LogFormatsTest {

    private static final LoggerContext CONTEXT = new LoggerContext();
    private static final Set<String> FIXED = Set.of("time", "message", "logger_name", "level", "stack_trace");
    private static final Pattern FIELD = Pattern.compile(" ([A-Za-z_][A-Za-z0-9_.-]*)=\"([^\"]*)\"");
    private static final Pattern HEAD = Pattern.compile("(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) (\\w+) +(\\S+) - (.*)");

    static List<org.junit.jupiter.params.provider.Arguments> events() {
        return JsonLineEncoderTest.events()
                // a message with a line break is printed as is in text, which this test does not parse
                .filter(arguments -> !((String) arguments.get()[0]).equals("characters that need escaping"))
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void textLinesCarryTheFieldsOfTheJsonLine(String name, LoggingEvent event, String ignored) {
        JsonNode json = JsonMapper.builder().build().readTree(encode(new JsonLineEncoder(ZoneOffset.UTC), event));
        String text = encode(new TextLineEncoder(ZoneOffset.UTC), event);

        String first = text.substring(0, text.indexOf('\n'));
        String rest = text.substring(text.indexOf('\n') + 1);
        Matcher head = HEAD.matcher(first);
        assertThat(head.matches()).as(first).isTrue();
        assertThat(head.group(1)).isEqualTo(json.get("time").asString().substring(11, 23));
        assertThat(head.group(2)).isEqualTo(json.get("level").asString());
        String logger = json.get("logger_name").asString();
        assertThat(head.group(3)).endsWith(logger.substring(logger.lastIndexOf('.') + 1));

        List<String> jsonFields = new ArrayList<>();
        json.propertyNames().forEach(field -> {
            if (!FIXED.contains(field)) {
                jsonFields.add(field);
            }
        });
        String afterMessage = json.has("message")
                ? head.group(4).substring(json.get("message").asString().length())
                : head.group(4);
        if (json.has("message")) {
            assertThat(head.group(4)).startsWith(json.get("message").asString());
        }
        List<String> textFields = new ArrayList<>();
        Matcher field = FIELD.matcher(afterMessage);
        while (field.find()) {
            textFields.add(field.group(1));
            JsonNode value = json.get(field.group(1));
            assertThat(value).as(field.group(1) + " in the JSON line").isNotNull();
            if (value.isValueNode()) {
                assertThat(field.group(2)).as(field.group(1)).isEqualTo(value.asString());
            }
        }
        assertThat(textFields).as("key-value fields, in order").isEqualTo(jsonFields);
        assertThat(rest).isEqualTo(json.has("stack_trace") ? json.get("stack_trace").asString() : "");
    }

    private static String encode(ch.qos.logback.core.encoder.Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder,
            LoggingEvent event) {
        encoder.setContext(CONTEXT);
        encoder.start();
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

}
