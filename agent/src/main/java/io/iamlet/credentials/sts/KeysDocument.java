package io.iamlet.credentials.sts;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON credentials document of the container endpoint and of instance metadata:
 * {@code {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}}. Failures never quote the document.
 */
final class KeysDocument {

    private static final JsonMapper JSON = JsonMapper.shared();

    private KeysDocument() {
    }

    static AwsKeys parse(byte[] body, String source) {
        JsonNode doc;
        try {
            doc = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new StsTransportException(source + " answered something that is not a JSON credentials document");
        }
        String id = text(doc, "AccessKeyId");
        String secret = text(doc, "SecretAccessKey");
        if (id == null || secret == null) {
            throw new StsTransportException(source + " answered without AccessKeyId and SecretAccessKey");
        }
        String expiration = text(doc, "Expiration");
        try {
            return new AwsKeys(id, secret, text(doc, "Token"), expiration == null ? null : Instant.parse(expiration));
        } catch (DateTimeParseException e) {
            throw new StsTransportException(source + " answered an unreadable Expiration");
        }
    }

    private static String text(JsonNode doc, String field) {
        JsonNode value = doc == null ? null : doc.get(field);
        return value == null || !value.isString() || value.asString().isBlank() ? null : value.asString();
    }
}
