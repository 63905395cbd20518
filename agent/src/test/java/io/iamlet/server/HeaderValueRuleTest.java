package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HeaderValueRule} gives Netty's answer ({@link HttpHeaderValidationUtil}) for every value. */
class HeaderValueRuleTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "Bearer abc.def-ghi_jkl", "a\tb", "tab at end\t", "caf\u00e9", "\u00ff\u0080",
            "\u0100 above Latin-1", "\ud83d\ude00 a pair", "?", "a?b", "\ud800 lone"})
    void acceptsWhatNettyAccepts(String value) {
        assertThat(HttpHeaderValidationUtil.validateValidHeaderValue(value)).isEqualTo(-1);
        assertThat(HeaderValueRule.firstProhibited(value)).isEqualTo(-1);
        HeaderValueRule.INSTANCE.validate(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {" leading space", "\tleading tab", "\u0000", "a\u0000b", "a\u0001", "del\u007f",
            "\u007f", "line\nbreak", "cr\rhere", "\u0100\u0001 after a wide char", "\ud83d\ude00\u0001 after a pair",
            "ok\u001f"})
    void refusesWhatNettyRefusesAtTheSameIndex(String value) {
        int netty = HttpHeaderValidationUtil.validateValidHeaderValue(value);
        assertThat(netty).isNotNegative();
        assertThat(HeaderValueRule.firstProhibited(value)).isEqualTo(netty);
        assertThatThrownBy(() -> HeaderValueRule.INSTANCE.validate(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at index " + netty);
    }

    @Test
    void readsNonStringValuesAsNettyDoes() {
        assertThat(HeaderValueRule.firstProhibited(new AsciiString("a\u0001"))).isEqualTo(1);
        assertThat(HeaderValueRule.firstProhibited(new StringBuilder("fine"))).isEqualTo(-1);
    }

    @Test
    void agreesWithNettyOnRandomValues() {
        Random random = new Random(9);
        // mostly printable, with controls, DEL, HTAB, Latin-1's upper half and wider characters mixed in
        char[] alphabet = "aZ09-_.~ ?\t\u0000\u0001\r\n\u001f\u007f\u0080\u00a0\u00ff\u0100\u20ac\ud83d\ude00"
                .toCharArray();
        List<String> disagreements = new ArrayList<>();
        for (int n = 0; n < 50_000; n++) {
            char[] value = new char[random.nextInt(12)];
            for (int i = 0; i < value.length; i++) {
                value[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)]
                        : (char) (0x21 + random.nextInt(0x5e));
            }
            String s = new String(value);
            if (HeaderValueRule.firstProhibited(s) != HttpHeaderValidationUtil.validateValidHeaderValue(s)) {
                disagreements.add(s);
            }
        }
        assertThat(disagreements).isEmpty();
    }
}
