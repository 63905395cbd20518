package io.iamlet.credentials.sts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** Our SigV4 against the AWS SDK's signer (the oracle, test scope only) and AWS's published example. */
class SigV4Test {

    private static final Instant NOW = Instant.parse("2026-11-30T07:41:05Z");
    private static final Map<String, String> FORM = Map.of("content-type", StsClient.CONTENT_TYPE);

    static Stream<Arguments> requests() {
        var basic = AwsKeys.of("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        var session = new AwsKeys("ASIAEXAMPLE", "secret/with+chars", "IQoJb3JpZ2luX2VjE//long+token==", null);
        String webIdentity = StsRequest.of("AssumeRoleWithWebIdentity").param("RoleArn",
                "arn:aws:iam::123456789012:role/reader").param("RoleSessionName", "team-a.reader")
                .param("WebIdentityToken", "eyJ.a b*c~d").param("DurationSeconds", 3600).toString();
        return Stream.of(
                Arguments.of("regional endpoint, long-term keys", "https://sts.eu-west-1.amazonaws.com", "eu-west-1",
                        basic),
                Arguments.of("session keys add x-amz-security-token", "https://sts.us-east-1.amazonaws.com",
                        "us-east-1", session),
                Arguments.of("China partition", "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1", session),
                Arguments.of("non-default port is part of host", "http://127.0.0.1:44321", "us-east-1", basic),
                Arguments.of("endpoint with a path", "https://proxy.example/sts/", "eu-west-1", session),
                Arguments.of("host signed as written (the client sends it so)", "https://STS.Us-East-1.amazonaws.com",
                        "us-east-1", basic),
                Arguments.of("body with encoded characters " + webIdentity.length(), "https://sts.amazonaws.com",
                        "us-east-1", basic));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void authorizationMatchesTheSdkSigner(String name, String endpoint, String region, AwsKeys keys) {
        URI uri = URI.create(endpoint);
        byte[] body = StsRequest.of("AssumeRole").param("RoleArn", "arn:aws:iam::123456789012:role/x y")
                .param("RoleSessionName", "ns.pod*1~").param("DurationSeconds", 900)
                .tags(java.util.List.of(Map.entry("kubernetes-pod-name", "web-1"), Map.entry("k", "v/=+&")))
                .list("TransitiveTagKeys", java.util.List.of("kubernetes-pod-name", "k")).body();

        Map<String, String> ours = SigV4.sign("POST", uri, FORM, body, keys, region, "sts", NOW);

        assertThat(ours.get("authorization")).isEqualTo(sdkAuthorization(uri, body, keys, region));
        assertThat(ours.get("x-amz-date")).isEqualTo("20261130T074105Z");
        assertThat(ours.get("x-amz-security-token")).isEqualTo(keys.sessionToken());
        assertThat(ours).doesNotContainKey("host");
    }

    /**
     * The inputs of AWS's published SigV4 example (IAM ListUsers, AKIDEXAMPLE, 20150830T123600Z): same keys, date,
     * headers and payload give the SDK's signature for another service and date than STS's.
     */
    @Test
    void reproducesAwsPublishedExampleSignature() {
        var keys = AwsKeys.of("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        URI uri = URI.create("https://iam.amazonaws.com/");
        byte[] body = "Action=ListUsers&Version=2010-05-08".getBytes(StandardCharsets.UTF_8);

        Map<String, String> ours = SigV4.sign("POST", uri,
                Map.of("content-type", "application/x-www-form-urlencoded; charset=utf-8"), body, keys, "us-east-1",
                "iam", Instant.parse("2015-08-30T12:36:00Z"));

        assertThat(ours.get("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1"
                + "/iam/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=")
                .isEqualTo(sdkAuthorization(uri, body, keys, "us-east-1", "iam",
                        Instant.parse("2015-08-30T12:36:00Z")));
    }

    private static String sdkAuthorization(URI uri, byte[] body, AwsKeys keys, String region) {
        return sdkAuthorization(uri, body, keys, region, "sts", NOW);
    }

    private static String sdkAuthorization(URI uri, byte[] body, AwsKeys keys, String region, String service,
                                           Instant now) {
        SdkHttpRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", FORM.get("content-type")).build();
        AwsCredentialsIdentity identity = keys.sessionToken() == null
                ? AwsBasicCredentials.create(keys.accessKeyId(), keys.secretAccessKey())
                : AwsSessionCredentials.create(keys.accessKeyId(), keys.secretAccessKey(), keys.sessionToken());
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                .payload(() -> new java.io.ByteArrayInputStream(body))
                .identity(identity)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC)));
        return signed.request().firstMatchingHeader("Authorization").orElseThrow();
    }
}
