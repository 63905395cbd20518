package io.iamlet.credentials;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The two JSON shapes in which SDKs accept credentials. Timestamps are UTC with {@code Z}, whole seconds
 * (truncated): JS accepts only {@code Z}, botocore's IMDS check parses {@code %Y-%m-%dT%H:%M:%SZ}.
 *
 * <p>Every field of both bodies is fixed for the credentials' lifetime, so each body is rendered once per
 * {@link Credentials} instance and kept on it: a cached credential served a million times is encoded once. The
 * returned arrays are shared: callers must not modify them.
 */
public final class CredentialsJson {

    private static final JsonMapper MAPPER = JsonMapper.shared();
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private CredentialsJson() {
    }

    /**
     * The container endpoint's body: {@code AccessKeyId, SecretAccessKey, Token, AccountId, Expiration}.
     * {@code Token} and {@code AccountId} are left out when unknown. Shared: do not modify.
     */
    public static byte[] container(Credentials credentials) {
        byte[] body = credentials.containerBody;
        if (body == null) {
            body = renderContainer(credentials);
            credentials.containerBody = body;
        }
        return body;
    }

    /**
     * The IMDS body of {@code /latest/meta-data/iam/security-credentials/<role>}: {@code Code} (always
     * {@code Success}, Go requires it), {@code LastUpdated} (when iamlet received the credentials), {@code Type},
     * {@code AccessKeyId, SecretAccessKey, Token, Expiration}. Shared: do not modify.
     */
    public static byte[] imds(Credentials credentials) {
        byte[] body = credentials.imdsBody;
        if (body == null) {
            body = renderImds(credentials);
            credentials.imdsBody = body;
        }
        return body;
    }

    /** {@code yyyy-MM-ddTHH:mm:ssZ} in UTC, fractions of a second dropped. */
    public static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    private static byte[] renderContainer(Credentials credentials) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("AccessKeyId", credentials.accessKeyId());
        body.put("SecretAccessKey", credentials.secretAccessKey());
        if (credentials.sessionToken() != null) {
            body.put("Token", credentials.sessionToken());
        }
        if (credentials.accountId() != null) {
            body.put("AccountId", credentials.accountId());
        }
        body.put("Expiration", timestamp(credentials.expiration()));
        return MAPPER.writeValueAsBytes(body);
    }

    private static byte[] renderImds(Credentials credentials) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("Code", "Success");
        body.put("LastUpdated", timestamp(credentials.issuedAt()));
        body.put("Type", "AWS-HMAC");
        body.put("AccessKeyId", credentials.accessKeyId());
        body.put("SecretAccessKey", credentials.secretAccessKey());
        if (credentials.sessionToken() != null) {
            body.put("Token", credentials.sessionToken());
        }
        body.put("Expiration", timestamp(credentials.expiration()));
        return MAPPER.writeValueAsBytes(body);
    }
}
