package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.iamlet.credentials.StsProxy.ProxyConfiguration;

class StsProxyTest {

    private static ProxyConfiguration resolve(Map<String, String> env, Properties props) {
        return StsProxy.resolve(env, props).orElseThrow();
    }

    private static boolean bypasses(ProxyConfiguration proxy, String host) {
        return proxy.nonProxyHosts().stream().anyMatch(host::matches);
    }

    @Test
    void noProxyConfiguredMeansDirect() {
        assertThat(StsProxy.resolve(Map.of("HTTP_PROXY", "http://proxy:3128"), new Properties())).isEmpty();
    }

    @Test
    void httpsProxyWithAnHttpUrlTalksPlainHttpToTheProxy() {
        ProxyConfiguration proxy = resolve(Map.of("HTTPS_PROXY", "http://proxy.corp:3128"), new Properties());

        assertThat(proxy.scheme()).isEqualTo("http");
        assertThat(proxy.host()).isEqualTo("proxy.corp");
        assertThat(proxy.port()).isEqualTo(3128);
    }

    @Test
    void lowerCaseVariableAndCredentialsAndDefaultPort() {
        ProxyConfiguration proxy = resolve(Map.of("https_proxy", "https://user:pa%3Ass@proxy.corp"), new Properties());

        assertThat(proxy.scheme()).isEqualTo("https");
        assertThat(proxy.port()).isEqualTo(443);
        assertThat(proxy.username()).isEqualTo("user");
        assertThat(proxy.password()).isEqualTo("pa:ss");
    }

    @Test
    void aProxyWithoutSchemeIsHttp() {
        assertThat(resolve(Map.of("HTTPS_PROXY", "proxy:8080"), new Properties()).scheme()).isEqualTo("http");
    }

    @ParameterizedTest
    @CsvSource({
        ".amazonaws.com, sts.eu-west-1.amazonaws.com, true",
        "amazonaws.com, sts.eu-west-1.amazonaws.com, true",
        "*.amazonaws.com, sts.eu-west-1.amazonaws.com, true",
        "amazonaws.com, amazonaws.com, true",
        "amazonaws.com, notamazonaws.com, false",
        "127.0.0.1, 127.0.0.1, true",
        "'sts.local:8443', sts.local, true",
        "*, anything.example, true",
        "10.0.0.0/8, 10.1.2.3, false",
    })
    void noProxyEntriesMatchLikeCurl(String noProxy, String host, boolean bypassed) {
        ProxyConfiguration proxy = resolve(Map.of("HTTPS_PROXY", "http://proxy:3128", "NO_PROXY", noProxy),
                new Properties());

        assertThat(bypasses(proxy, host)).isEqualTo(bypassed);
    }

    @Test
    void jvmSystemPropertiesWinOverTheEnvironment() {
        Properties props = new Properties();
        props.setProperty("https.proxyHost", "sysproxy");
        props.setProperty("https.proxyPort", "8443");
        props.setProperty("http.nonProxyHosts", "*.internal|localhost");

        ProxyConfiguration proxy = resolve(Map.of("HTTPS_PROXY", "http://envproxy:3128"), props);

        assertThat(proxy.host()).isEqualTo("sysproxy");
        assertThat(proxy.port()).isEqualTo(8443);
        assertThat(bypasses(proxy, "sts.internal")).isTrue();
        assertThat(bypasses(proxy, "localhost")).isTrue();
        assertThat(bypasses(proxy, "sts.amazonaws.com")).isFalse();
    }

    @Test
    void anUnsupportedProxySchemeFailsAtStartWithoutShowingTheUrl() {
        assertThatThrownBy(() -> StsProxy.resolve(Map.of("HTTPS_PROXY", "socks5://u:secret@proxy:1080"),
                new Properties()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HTTPS_PROXY")
                .hasMessageNotContaining("secret");
    }
}
