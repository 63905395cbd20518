package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenAddressTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "169.254.170.23:80      | 169.254.170.23:80",
            "[fd00:ec2::23]:80      | [fd00:ec2::23]:80",
            "127.0.0.1:0            | 127.0.0.1:0",
            "[::1]:2703             | [::1]:2703",
            "' 10.0.0.1:8181 '      | 10.0.0.1:8181",
            "[::ffff:10.0.0.1]:8181 | 10.0.0.1:8181"})
    void parsesIpLiteralsWithPorts(String text, String expected) {
        assertThat(ListenAddress.parse(text).toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "localhost:80           | host must be an IP address literal",
            "169.254.170.23         | expected host:port",
            "fd00:ec2::23:80        | write IPv6 addresses in brackets",
            "[fd00:ec2::23]80       | expected [ipv6]:port",
            "[fd00:ec2::23]         | expected [ipv6]:port",
            "[10.0.0.1]:80          | brackets are only for IPv6",
            "10.0.0.1:65536         | port must be a number in 0..65535",
            "10.0.0.1:-1            | port must be a number in 0..65535",
            "10.0.0.1:http          | port must be a number in 0..65535",
            "10.0.0.1:              | port must be a number in 0..65535",
            "[fe80::1%eth0]:80      | zone ids are not supported",
            "300.1.1.1:80           | host must be an IP address literal"})
    void refusesWithAMessageNamingTheText(String text, String why) {
        assertThatThrownBy(() -> ListenAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text + "\"")
                .hasMessageContaining(why);
    }

    @Test
    void parsesTheCommaSeparatedFlagForm() {
        List<ListenAddress> list = ListenAddress.parseList("169.254.170.23:80,[fd00:ec2::23]:80, ");
        assertThat(list).hasSize(2);
        assertThat(list.get(0).address()).isInstanceOf(Inet4Address.class);
        assertThat(list.get(1).address()).isInstanceOf(Inet6Address.class);
        assertThat(list.get(1).port()).isEqualTo(80);
    }
}
