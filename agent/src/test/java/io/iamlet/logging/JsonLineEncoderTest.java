package io.iamlet.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.event.KeyValuePair;

/**
 * The lines log pipelines read. Each expected line is what logstash-logback-encoder 9.0 wrote for the same event
 * with the configuration we had (field names time/message/logger_name/level, no version/level_value/thread,
 * ShortenedThrowableConverter with 20 frames per throwable and root cause first); they were compared byte for
 * byte before it was replaced.
 */
class JsonLineEncoderTest {

    private static final LoggerContext CONTEXT = new LoggerContext();
    private static final String TIME = "\"time\":\"2026-11-30T02:17:11.92329255Z\"";

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void writesTheSameLineAsTheLogstashEncoderDid(String name, LoggingEvent event, String expected) {
        JsonLineEncoder encoder = new JsonLineEncoder(ZoneOffset.UTC);
        encoder.setContext(CONTEXT);
        encoder.start();

        assertThat(new String(encoder.encode(event), StandardCharsets.UTF_8)).isEqualTo(expected + "\n");
    }

    static Stream<Arguments> events() {
        return Stream.of(
                Arguments.of("plain", event(Level.INFO, "ready", null, null),
                        "{" + TIME + ",\"message\":\"ready\",\"logger_name\":\"io.iamlet.Test\",\"level\":\"INFO\"}"),
                Arguments.of("placeholders", event(Level.INFO, "pods {} of {}", new Object[] {3, "node-a"}, null),
                        "{" + TIME + ",\"message\":\"pods 3 of node-a\",\"logger_name\":\"io.iamlet.Test\","
                                + "\"level\":\"INFO\"}"),
                Arguments.of("audit line: typed key-values, a null value left out",
                        event(Level.WARN, "credentials denied", null, null, "audit", true, "node", "n1",
                                "source_ip", "127.0.0.1", "status", 401, "reason", "bad_signature", "role", null),
                        "{" + TIME + ",\"message\":\"credentials denied\",\"logger_name\":\"io.iamlet.Test\","
                                + "\"level\":\"WARN\",\"audit\":true,\"node\":\"n1\",\"source_ip\":\"127.0.0.1\","
                                + "\"status\":401,\"reason\":\"bad_signature\"}"),
                Arguments.of("values of other types",
                        event(Level.INFO, "typed", null, null, "long", 5L, "double", 1.5,
                                "instant", Instant.parse("2026-01-01T00:00:00Z"), "list", List.of("a", "b"),
                                "set", Set.of("10.0.0.1")),
                        "{" + TIME + ",\"message\":\"typed\",\"logger_name\":\"io.iamlet.Test\",\"level\":\"INFO\","
                                + "\"long\":5,\"double\":1.5,\"instant\":\"2026-01-01T00:00:00Z\",\"list\":[\"a\",\"b\"],"
                                + "\"set\":[\"10.0.0.1\"]}"),
                Arguments.of("numbers of every boxed type, an enum and a record",
                        event(Level.INFO, "more", null, null, "int", -7, "short", (short) 3, "byte", (byte) 2,
                                "float", 0.25f, "huge", 1e300,
                                "day", DayOfWeek.MONDAY, "ref", new Ref("shop", "web-1")),
                        "{" + TIME + ",\"message\":\"more\",\"logger_name\":\"io.iamlet.Test\",\"level\":\"INFO\","
                                + "\"int\":-7,\"short\":3,\"byte\":2,\"float\":0.25,\"huge\":1.0E300,"
                                + "\"day\":\"MONDAY\",\"ref\":{\"namespace\":\"shop\",\"name\":\"web-1\"}}"),
                Arguments.of("characters that need escaping",
                        event(Level.INFO, "say \"hi\"\n\t\u0007 é", null, null,
                                "chars", "back\\slash \u0001 € \uD83D\uDE00 </script>"),
                        "{" + TIME + ",\"message\":\"say \\\"hi\\\"\\n\\t\\u0007 é\",\"logger_name\":\"io.iamlet.Test\","
                                + "\"level\":\"INFO\",\"chars\":\"back\\\\slash \\u0001 € \uD83D\uDE00 </script>\"}"),
                Arguments.of("no message", event(Level.DEBUG, null, null, null),
                        "{" + TIME + ",\"logger_name\":\"io.iamlet.Test\",\"level\":\"DEBUG\"}"),
                Arguments.of("MDC before key-values",
                        withMdc(event(Level.INFO, "with mdc", null, null, "k", 1), Map.of("trace", "abc")),
                        "{" + TIME + ",\"message\":\"with mdc\",\"logger_name\":\"io.iamlet.Test\",\"level\":\"INFO\","
                                + "\"trace\":\"abc\",\"k\":1}"),
                Arguments.of("exception with causes: root cause first, shared frames counted",
                        event(Level.ERROR, "failed", null, wrapped(), "pod", "shop/web-1"),
                        "{" + TIME + ",\"message\":\"failed\",\"logger_name\":\"io.iamlet.Test\",\"level\":\"ERROR\","
                                + "\"stack_trace\":\"java.lang.IllegalStateException: root\\n\\tat t.Root.f(Root.java:1)\\n"
                                + "\\t... 2 common frames omitted\\nWrapped by: java.io.IOException: middle\\n"
                                + "\\tat t.Middle.f(Middle.java:1)\\n\\t... 2 common frames omitted\\n"
                                + "Wrapped by: java.lang.RuntimeException: top\\n\\tat t.Top.f(Top.java:1)\\n"
                                + "\\tat t.Main.run(Main.java:1)\\n\\tat t.Main.main(Main.java:2)\\n\","
                                + "\"pod\":\"shop/web-1\"}"),
                Arguments.of("deep exception: 20 frames, the rest counted",
                        event(Level.ERROR, "deep", null, deep()),
                        "{" + TIME + ",\"message\":\"deep\",\"logger_name\":\"io.iamlet.Test\",\"level\":\"ERROR\","
                                + "\"stack_trace\":\"java.lang.RuntimeException: deep\\n"
                                + IntStream.range(0, 20).mapToObj(i -> "\\tat t.Deep.f(Deep.java:" + i + ")\\n")
                                        .reduce("", String::concat)
                                + "\\t... 7 frames truncated (including 2 common frames)\\n"
                                + "Wrapped by: java.lang.RuntimeException: outer\\n"
                                + "\\tat t.Main.run(Main.java:1)\\n\\tat t.Main.main(Main.java:2)\\n\"}"),
                Arguments.of("exception without a message",
                        event(Level.ERROR, "npe", null, at(new NullPointerException(), "t.Main.run")),
                        "{" + TIME + ",\"message\":\"npe\",\"logger_name\":\"io.iamlet.Test\",\"level\":\"ERROR\","
                                + "\"stack_trace\":\"java.lang.NullPointerException: null\\n"
                                + "\\tat t.Main.run(Main.java:1)\\n\"}"));
    }

    record Ref(String namespace, String name) {
    }

    private static LoggingEvent event(Level level, String message, Object[] arguments, Throwable thrown,
            Object... keyValues) {
        LoggingEvent event = new LoggingEvent("fqcn", CONTEXT.getLogger("io.iamlet.Test"), level, message, thrown,
                arguments);
        event.setInstant(Instant.parse("2026-11-30T02:17:11.923292550Z"));
        for (int i = 0; i < keyValues.length; i += 2) {
            event.addKeyValuePair(new KeyValuePair((String) keyValues[i], keyValues[i + 1]));
        }
        if (message == null || !message.equals("with mdc")) {
            event.setMDCPropertyMap(new HashMap<>());
        }
        return event;
    }

    private static LoggingEvent withMdc(LoggingEvent event, Map<String, String> mdc) {
        event.setMDCPropertyMap(new TreeMap<>(mdc));
        return event;
    }

    /** top (Top.f, Main.run, Main.main) wraps middle (Middle.f + shared) wraps root (Root.f + shared). */
    private static Throwable wrapped() {
        Throwable root = at(new IllegalStateException("root"), "t.Root.f", "t.Main.run", "t.Main.main");
        Throwable middle = at(new java.io.IOException("middle", root), "t.Middle.f", "t.Main.run", "t.Main.main");
        return at(new RuntimeException("top", middle), "t.Top.f", "t.Main.run", "t.Main.main");
    }

    /** 25 frames of its own and 2 shared with its wrapper. */
    private static Throwable deep() {
        StackTraceElement[] frames = new StackTraceElement[27];
        for (int i = 0; i < 25; i++) {
            frames[i] = new StackTraceElement("t.Deep", "f", "Deep.java", i);
        }
        frames[25] = frame("t.Main.run", 1);
        frames[26] = frame("t.Main.main", 2);
        RuntimeException cause = new RuntimeException("deep");
        cause.setStackTrace(frames);
        return at(new RuntimeException("outer", cause), "t.Main.run", "t.Main.main");
    }

    private static Throwable at(Throwable throwable, String... methods) {
        StackTraceElement[] frames = new StackTraceElement[methods.length];
        for (int i = 0; i < methods.length; i++) {
            frames[i] = frame(methods[i], methods[i].endsWith(".main") ? 2 : 1);
        }
        throwable.setStackTrace(frames);
        return throwable;
    }

    private static StackTraceElement frame(String method, int line) {
        int dot = method.lastIndexOf('.');
        String type = method.substring(0, dot);
        return new StackTraceElement(type, method.substring(dot + 1), type.substring(type.lastIndexOf('.') + 1)
                + ".java", line);
    }
}
