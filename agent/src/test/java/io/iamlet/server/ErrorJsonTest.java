package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ErrorJsonTest {

    @Test
    void errorBodyCarriesBothCasingsAndEscapesQuotes() {
        JsonNode body = ErrorJson.MAPPER.readTree(ErrorJson.body("AccessDenied", "role \"x\" denied"));
        assertThat(body.get("code").asString()).isEqualTo("AccessDenied");
        assertThat(body.get("Code").asString()).isEqualTo("AccessDenied");
        assertThat(body.get("message").asString()).isEqualTo("role \"x\" denied");
        assertThat(body.get("Message").asString()).isEqualTo("role \"x\" denied");
    }
}
