package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {

    private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlc2lnbmF0dXJl";

    private static Request request(Map<String, String> headers) {
        return new Request("GET", "/v1/credentials", "", headers, "10.0.0.7", new byte[0]);
    }

    @Test
    void cutsTokensAndTheirSegmentsOutOfEveryMessageInTheChain() {
        var secrets = Redaction.secretsOf(request(Map.of("Authorization", JWT, "host", "169.254.170.23")));
        var cause = new IllegalArgumentException("bad payload eyJzdWIiOiJzeXN0ZW06c2EifQ in token");
        var error = new IllegalStateException("refused " + JWT, cause);
        error.addSuppressed(new RuntimeException("also " + JWT));

        Throwable redacted = Redaction.redact(error, secrets);
        String logged = print(redacted);
        assertThat(logged).doesNotContain("eyJzdWIiOiJzeXN0ZW06c2EifQ").doesNotContain("c2lnbmF0dXJl")
                .contains("java.lang.IllegalStateException: refused [redacted]")
                .contains("java.lang.IllegalArgumentException: bad payload [redacted] in token")
                .contains("RedactionTest.java"); // the stack trace itself is kept
        assertThat(secrets).doesNotContain("169.254.170.23");
    }

    @Test
    void leavesTheExceptionAloneWhenTheRequestCarriesNoSecret() {
        var error = new IllegalStateException("boom");
        assertThat(Redaction.redact(error, Redaction.secretsOf(request(Map.of("host", "x"))))).isSameAs(error);
        assertThat(Redaction.redact(error, List.of())).isSameAs(error);
    }

    private static String print(Throwable t) {
        var out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
