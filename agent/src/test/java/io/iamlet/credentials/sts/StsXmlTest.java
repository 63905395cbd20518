package io.iamlet.credentials.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StsXmlTest {

    private static final String NS = "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsAssumeRoleWithWebIdentityCredentialsAndRequestId() {
        StsResponse r = StsXml.success(bytes("<?xml version=\"1.0\"?><AssumeRoleWithWebIdentityResponse " + NS + ">"
                + "<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>system:serviceaccount:a:b"
                + "</SubjectFromWebIdentityToken><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s"
                + "</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser><Credentials>"
                + "<SessionToken>tok&amp;en</SessionToken><SecretAccessKey>sec/ret</SecretAccessKey>"
                + "<Expiration>2026-11-30T08:41:05.123Z</Expiration><AccessKeyId>ASIAX</AccessKeyId></Credentials>"
                + "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>req-9</RequestId>"
                + "</ResponseMetadata></AssumeRoleWithWebIdentityResponse>"));

        assertThat(r.credentials()).isEqualTo(new AwsKeys("ASIAX", "sec/ret", "tok&en",
                Instant.parse("2026-11-30T08:41:05.123Z")));
        assertThat(r.assumedRoleArn()).isEqualTo("arn:aws:sts::123456789012:assumed-role/r/s");
        assertThat(r.requestId()).isEqualTo("req-9");
    }

    @Test
    void readsGetCallerIdentity() {
        StsResponse r = StsXml.success(bytes("<GetCallerIdentityResponse " + NS + "><GetCallerIdentityResult>"
                + "<Arn>arn:aws:iam::111122223333:user/node</Arn><UserId>AIDA</UserId><Account>111122223333</Account>"
                + "</GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>"
                + "</GetCallerIdentityResponse>"));

        assertThat(r.credentials()).isNull();
        assertThat(r.account()).isEqualTo("111122223333");
        assertThat(r.assumedRoleArn()).isEqualTo("arn:aws:iam::111122223333:user/node");
    }

    @Test
    void aSuccessWithoutCredentialsHasNone() {
        assertThat(StsXml.success(bytes("<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>"))
                .credentials()).isNull();
    }

    @Test
    void readsStsErrorResponse() {
        StsServiceException e = StsXml.error(403, bytes("<ErrorResponse " + NS + "><Error><Type>Sender</Type>"
                + "<Code>AccessDenied</Code><Message>not authorized</Message></Error><RequestId>req-7</RequestId>"
                + "</ErrorResponse>"));

        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.errorCode()).isEqualTo("AccessDenied");
        assertThat(e.requestId()).isEqualTo("req-7");
        assertThat(e.throttling()).isFalse();
        assertThat(e).hasMessage("AccessDenied: not authorized (Status Code: 403, Request ID: req-7)");
    }

    @Test
    void throttlingIsRecognisedByCodeAndBy429() {
        assertThat(StsXml.error(400, bytes("<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"))
                .throttling()).isTrue();
        assertThat(StsXml.error(429, bytes("")).throttling()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "<html><body>502 Bad Gateway</body></html>", "not xml at all", "<Error><Code>",
        "{\"json\":true}"})
    void anErrorBodyThatIsNotStsXmlHasNoCodeButKeepsItsStatus(String body) {
        StsServiceException e = StsXml.error(502, bytes(body));

        assertThat(e.statusCode()).isEqualTo(502);
        assertThat(e.errorCode()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "<AssumeRoleResponse><AssumeRoleResult>", "<a></b>"})
    void anUnreadableSuccessFailsCleanly(String body) {
        assertThatThrownBy(() -> StsXml.success(bytes(body))).isInstanceOf(StsTransportException.class);
    }

    @Test
    void anUnreadableExpirationFailsCleanlyWithoutQuotingTheAnswer() {
        assertThatThrownBy(() -> StsXml.success(bytes("<R><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                + "<SecretAccessKey>leaked-secret</SecretAccessKey><Expiration>tomorrow</Expiration></Credentials>"
                + "</AssumeRoleResult></R>")))
                .isInstanceOf(StsTransportException.class).hasMessageNotContaining("leaked-secret");
    }

    @Test
    void aDocumentTypeDeclarationIsRefused() {
        String billionLaughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                + "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
                + "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>&lol2;</AccessKeyId>"
                + "</Credentials></AssumeRoleResult></AssumeRoleResponse>";

        assertThatThrownBy(() -> StsXml.success(bytes(billionLaughs))).isInstanceOf(StsTransportException.class);
    }

    @Test
    void anExternalEntityIsNeverRead() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/hostname\">]>"
                + "<ErrorResponse><Error><Code>&xxe;</Code></Error></ErrorResponse>";

        assertThatThrownBy(() -> StsXml.success(bytes(xxe))).isInstanceOf(StsTransportException.class);
        assertThat(StsXml.error(400, bytes(xxe)).errorCode()).as("an error body with a DTD has no code").isNull();
    }
}
