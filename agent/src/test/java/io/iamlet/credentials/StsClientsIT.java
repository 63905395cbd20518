package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.testing.FakeSts;
import io.iamlet.testing.FakeStsExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.iamlet.credentials.sts.StsClient;

/** How the client factory reaches STS: endpoint configuration and proxies, with the real SDK. */
class StsClientsIT {

    private static final Identity IDENTITY = new Identity("arn:aws:iam::123456789012:role/reader", "team-a",
            "reader", "pod-1", "uid-1", new Identity.WebIdentityToken("a.web.token"));

    @RegisterExtension
    static final FakeStsExtension fake = new FakeStsExtension();
    private static final FakeSts sts = fake.sts();

    private static Credentials fetchWith(StsClients.Settings settings) {
        try (StsClient client = StsClients.forWebIdentity(settings)) {
            return new WebIdentitySource(client, Duration.ofHours(1), Clock.systemUTC()).fetch(IDENTITY).join();
        }
    }

    @Test
    void withoutAnOverrideTheStsEndpointSettingIsHonoured() {
        // the system-property twin of AWS_ENDPOINT_URL_STS, which a test cannot set
        System.setProperty("aws.endpointUrlSts", sts.endpoint().toString());
        try {
            Credentials credentials = fetchWith(StsClients.Settings.defaults("eu-west-1"));

            assertThat(sts.roleOf(credentials.accessKeyId())).contains(IDENTITY.roleArn());
        } finally {
            System.clearProperty("aws.endpointUrlSts");
        }
    }

    @Test
    void reachesStsThroughTheHttpsProxy() throws Exception {
        try (var proxy = new TestConnectProxy()) {
            var settings = TestStsClients.settings(sts).withProxy(
                    StsProxy.resolve(Map.of("HTTPS_PROXY", proxy.url()), new Properties()).orElseThrow());

            Credentials credentials = fetchWith(settings);

            assertThat(sts.roleOf(credentials.accessKeyId())).isPresent();
            // the stand-in speaks http, so the proxy forwards the request; an https STS is reached by CONNECT
            assertThat(proxy.targets()).containsExactly("POST " + sts.endpoint());
        }
    }

    @Test
    void sendsTheProxyCredentialsOfHttpsProxy() throws Exception {
        try (var proxy = new TestConnectProxy()) {
            proxy.requireBasic("iamlet", "pa:ss");
            var settings = TestStsClients.settings(sts).withProxy(StsProxy.resolve(Map.of("HTTPS_PROXY",
                    proxy.url().replace("http://", "http://iamlet:pa%3Ass@")), new Properties()).orElseThrow());

            Credentials credentials = fetchWith(settings);

            assertThat(sts.roleOf(credentials.accessKeyId())).isPresent();
            assertThat(proxy.authorizations()).last().isEqualTo("Basic aWFtbGV0OnBhOnNz");
        }
    }

    @Test
    void noProxyHostsGoDirect() throws Exception {
        try (var proxy = new TestConnectProxy()) {
            var settings = TestStsClients.settings(sts).withProxy(StsProxy.resolve(
                    Map.of("HTTPS_PROXY", proxy.url(), "NO_PROXY", "localhost,127.0.0.1"), new Properties())
                    .orElseThrow());

            Credentials credentials = fetchWith(settings);

            assertThat(sts.roleOf(credentials.accessKeyId())).isPresent();
            assertThat(proxy.targets()).isEmpty();
        }
    }

    @Test
    void regionComesFromTheEnvironment() {
        assertThat(StsClients.regionFrom(Map.of("AWS_REGION", "eu-central-1"))).contains("eu-central-1");
        assertThat(StsClients.regionFrom(Map.of("AWS_DEFAULT_REGION", "us-west-2"))).contains("us-west-2");
        assertThat(StsClients.regionFrom(Map.of())).isEmpty();
    }
}
