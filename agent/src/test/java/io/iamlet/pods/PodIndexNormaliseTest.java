package io.iamlet.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PodIndexNormaliseTest {

    /** The canonical form by parsing alone, as {@link PodIndex#normalise} did before its IPv4 shortcut. */
    private static String parsed(String ip) {
        return io.netty.util.NetUtil.toAddressString(InetAddress.ofLiteral(ip));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.100.200", "1.2.3.4", "127.0.1.110",
            "100.64.0.9"})
    void aCanonicalIpv4AddressIsItsOwnNormalForm(String ip) {
        assertThat(PodIndex.canonicalIpv4(ip)).isTrue();
        assertThat(PodIndex.normalise(ip)).isEqualTo(parsed(ip)).isEqualTo(ip);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:10.0.0.1", "FD00::7", "fd00:0:0:0:0:0:0:7", "::1", "0:0:0:0:0:0:0:1",
            "::ffff:a00:1"})
    void otherLiteralsAreParsedToTheirCanonicalForm(String ip) {
        assertThat(PodIndex.canonicalIpv4(ip)).isFalse();
        assertThat(PodIndex.normalise(ip)).isEqualTo(parsed(ip));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.", ".1.2.3", "1..2.3", "a.b.c.d",
            "010.0.0.1", "1.2.3.04", "1.2.3.4 ", " 1.2.3.4", "1.2.3.1000", "9999.1.1.1", "1.2.3.-4", "+1.2.3.4"})
    void aStringThatIsNotACanonicalIpv4AddressTakesTheParse(String ip) {
        assertThat(PodIndex.canonicalIpv4(ip)).isFalse();
        String viaParse;
        try {
            viaParse = parsed(ip);
        } catch (IllegalArgumentException e) {
            assertThatThrownBy(() -> PodIndex.normalise(ip)).isInstanceOf(IllegalArgumentException.class);
            return;
        }
        assertThat(PodIndex.normalise(ip)).isEqualTo(viaParse);
    }

    @Test
    void agreesWithTheParseOnRandomDottedStrings() {
        Random random = new Random(8);
        List<String> disagreements = new ArrayList<>();
        for (int n = 0; n < 20_000; n++) {
            StringBuilder ip = new StringBuilder();
            int parts = 3 + random.nextInt(3);
            for (int p = 0; p < parts; p++) {
                if (p > 0) {
                    ip.append('.');
                }
                int kind = random.nextInt(10);
                ip.append(kind == 0 ? "0" + random.nextInt(10) : kind == 1 ? String.valueOf(random.nextInt(1000))
                        : String.valueOf(random.nextInt(256)));
            }
            String text = ip.toString();
            String expected;
            try {
                expected = parsed(text);
            } catch (IllegalArgumentException e) {
                expected = "refused";
            }
            String actual;
            try {
                actual = PodIndex.normalise(text);
            } catch (IllegalArgumentException e) {
                actual = "refused";
            }
            if (!expected.equals(actual)) {
                disagreements.add(text + " -> " + actual + " (parse: " + expected + ")");
            }
        }
        assertThat(disagreements).isEmpty();
    }
}
