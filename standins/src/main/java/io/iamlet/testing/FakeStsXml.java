package io.iamlet.testing;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** STS's Query-protocol XML answers. */
final class FakeStsXml {

    private static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";

    private FakeStsXml() {
    }

    static String error(String type, String code, String message, String requestId) {
        return "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>" + esc(type) + "</Type><Code>" + esc(code)
                + "</Code><Message>" + esc(message) + "</Message></Error><RequestId>" + esc(requestId)
                + "</RequestId></ErrorResponse>";
    }

    static String assumed(String action, FakeStsIssued issued, String extra, String requestId) {
        return "<" + action + "Response xmlns=\"" + NS + "\"><" + action + "Result>" + extra
                + "<AssumedRoleUser><Arn>" + esc(issued.assumedRoleArn()) + "</Arn><AssumedRoleId>"
                + esc(issued.assumedRoleId()) + "</AssumedRoleId></AssumedRoleUser>"
                + "<Credentials><AccessKeyId>" + esc(issued.accessKeyId()) + "</AccessKeyId><SecretAccessKey>"
                + esc(issued.secretAccessKey()) + "</SecretAccessKey><SessionToken>" + esc(issued.sessionToken())
                + "</SessionToken><Expiration>" + iso(issued.expiration()) + "</Expiration></Credentials>"
                + "</" + action + "Result><ResponseMetadata><RequestId>" + esc(requestId)
                + "</RequestId></ResponseMetadata></" + action + "Response>";
    }

    static String callerIdentity(String arn, String userId, String account, String requestId) {
        return "<GetCallerIdentityResponse xmlns=\"" + NS + "\"><GetCallerIdentityResult><Arn>" + esc(arn)
                + "</Arn><UserId>" + esc(userId) + "</UserId><Account>" + esc(account)
                + "</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>" + esc(requestId)
                + "</RequestId></ResponseMetadata></GetCallerIdentityResponse>";
    }

    static String element(String name, String value) {
        return "<" + name + ">" + esc(value) + "</" + name + ">";
    }

    static String iso(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&apos;");
    }
}
