package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestTest {

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLXNlY3JldA";

    @Test
    void printingARequestNeverShowsHeaderValuesQueryOrBody() {
        var request = new Request("GET", "/v1/credentials", "X-Amz-Security-Token=" + TOKEN,
                Map.of("authorization", TOKEN, "x-aws-ec2-metadata-token", "imds-session-secret"), "10.0.0.7",
                "body-secret".getBytes(StandardCharsets.UTF_8));

        assertThat(request.toString())
                .contains("GET /v1/credentials", "10.0.0.7", "authorization", "x-aws-ec2-metadata-token")
                .doesNotContain(TOKEN, "c2lnbmF0dXJlLXNlY3JldA", "imds-session-secret", "body-secret");
    }
}
