package io.iamlet.credentials.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointParams;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointProvider;

/** The regional endpoint per partition, against the SDK's own STS endpoint rules (the oracle, test scope). */
class StsEndpointsTest {

    @ParameterizedTest
    @ValueSource(strings = {"us-east-1", "eu-west-1", "ap-southeast-2", "me-central-1", "il-central-1",
        "mx-central-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1", "us-iso-east-1",
        "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1", "aws-global"})
    void regionalEndpointIsTheSdks(String region) {
        URI sdk = StsEndpointProvider.defaultProvider().resolveEndpoint(StsEndpointParams.builder()
                .region(Region.of(region)).useFips(false).useDualStack(false).useGlobalEndpoint(false).build())
                .join().url();

        assertThat(StsEndpoints.regional(region)).isEqualTo(sdk);
    }

    @Test
    void anExplicitEndpointWinsThenTheStsSettingThenTheGeneralOne() {
        var explicit = URI.create("https://explicit.example");
        var env = Map.of("AWS_ENDPOINT_URL_STS", "https://sts.example", "AWS_ENDPOINT_URL", "https://all.example");

        assertThat(StsEndpoints.resolve("eu-west-1", explicit, env, new Properties())).isEqualTo(explicit);
        assertThat(StsEndpoints.resolve("eu-west-1", null, env, new Properties()))
                .isEqualTo(URI.create("https://sts.example"));
        assertThat(StsEndpoints.resolve("eu-west-1", null, Map.of("AWS_ENDPOINT_URL", "https://all.example"),
                new Properties())).isEqualTo(URI.create("https://all.example"));
        assertThat(StsEndpoints.resolve("eu-west-1", null, Map.of("AWS_ENDPOINT_URL_STS", "https://sts.example",
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"), new Properties()))
                .isEqualTo(URI.create("https://sts.eu-west-1.amazonaws.com"));
    }

    @Test
    void aConfiguredEndpointWithAQueryFailsNamingItsSetting() {
        assertThatThrownBy(() -> StsEndpoints.resolve("eu-west-1", null,
                Map.of("AWS_ENDPOINT_URL_STS", "https://sts.example/?X-Amz-Security-Token=SECRET"), new Properties()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AWS_ENDPOINT_URL_STS must be an http(s) URL with a host and without user info, query "
                        + "or fragment; it has a query");
        assertThatThrownBy(() -> StsEndpoints.resolve("eu-west-1", null,
                Map.of("AWS_ENDPOINT_URL", "https://user:SECRET@all.example"), new Properties()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("AWS_ENDPOINT_URL must be")
                .hasMessageEndingWith("it has user info").hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> StsEndpoints.resolve("eu-west-1", null,
                Map.of("AWS_ENDPOINT_URL_STS", "not a url SECRET"), new Properties()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("AWS_ENDPOINT_URL_STS is not a URL");
        Properties system = new Properties();
        system.setProperty("aws.endpointUrlSts", "https://sts.example/#fragment");
        assertThatThrownBy(() -> StsEndpoints.resolve("eu-west-1", null, Map.of(), system))
                .hasMessageStartingWith("aws.endpointUrlSts must be").hasMessageEndingWith("it has a fragment");
        assertThatThrownBy(() -> StsEndpoints.resolve("eu-west-1", URI.create("ftp://sts.example/"), Map.of(),
                new Properties())).hasMessageStartingWith("--sts-endpoint must be").hasMessageEndingWith("it is not "
                + "http or https");
        for (String fine : new String[] {"http://127.0.0.1:8080/sts", "HTTPS://sts.example/", "https://[::1]:4566"}) {
            assertThat(StsEndpoints.resolve("eu-west-1", null, Map.of("AWS_ENDPOINT_URL_STS", fine),
                    new Properties())).isEqualTo(URI.create(fine));
        }
    }

    @Test
    void theGlobalEndpointIsSignedForUsEast1() {
        assertThat(StsEndpoints.signingRegion("aws-global")).isEqualTo("us-east-1");
        assertThat(StsEndpoints.signingRegion("eu-west-1")).isEqualTo("eu-west-1");
    }
}
