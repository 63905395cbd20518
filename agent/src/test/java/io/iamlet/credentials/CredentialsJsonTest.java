package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CredentialsJsonTest {

    private static final Credentials CREDS = new Credentials("ASIAEXAMPLE", "secret/key+1", "session-token",
            Instant.parse("2025-03-01T13:00:59.999Z"), "123456789012", "req-1", Instant.parse("2025-03-01T12:00:00.5Z"));

    @Test
    void containerBodyHasTheFieldsEverySdkReadsWithWholeSecondUtcExpiration() {
        String json = new String(CredentialsJson.container(CREDS), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"secret/key+1\","
                + "\"Token\":\"session-token\",\"AccountId\":\"123456789012\",\"Expiration\":\"2025-03-01T13:00:59Z\"}");
    }

    @Test
    void containerBodyLeavesOutWhatIsUnknown() {
        var noAccount = new Credentials("ASIA", "s", "t", Instant.parse("2025-03-01T13:00:00Z"), null, null,
                Instant.parse("2025-03-01T12:00:00Z"));
        JsonNode body = JsonMapper.shared().readTree(CredentialsJson.container(noAccount));
        assertThat(body.has("AccountId")).isFalse();
        assertThat(body.get("Token").asString()).isEqualTo("t");
    }

    @Test
    void imdsBodyCarriesCodeSuccessAndLastUpdated() {
        String json = new String(CredentialsJson.imds(CREDS), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"Code\":\"Success\",\"LastUpdated\":\"2025-03-01T12:00:00Z\","
                + "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"secret/key+1\","
                + "\"Token\":\"session-token\",\"Expiration\":\"2025-03-01T13:00:59Z\"}");
    }
}
