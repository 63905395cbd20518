package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.testing.ManualTime;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ImdsTokensTest {

    private final ManualTime clock = new ManualTime();
    private final ImdsTokens tokens = new ImdsTokens(clock, new SecureRandom());

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"0", "21601", "-1", "+60", " 60", "60 ", "6e1", "60.0", "abc", "999999", "0x10"})
    void refusesAMissingOrInvalidTtl(String header) {
        assertThat(ImdsTokens.ttl(header)).isEqualTo(-1);
    }

    @ParameterizedTest
    @CsvSource({"1,1", "60,60", "21600,21600", "00300,300"})
    void acceptsATtlFromOneSecondToSixHours(String header, int ttl) {
        assertThat(ImdsTokens.ttl(header)).isEqualTo(ttl);
    }

    @Test
    void aTokenIsValidFromItsOwnAddressUntilItExpires() {
        String token = tokens.issue("10.0.0.7", 60);

        assertThat(tokens.verify(token, "10.0.0.7")).isEqualTo(ImdsTokens.Verdict.VALID);
        clock.advance(Duration.ofSeconds(59));
        assertThat(tokens.verify(token, "10.0.0.7")).isEqualTo(ImdsTokens.Verdict.VALID);
        clock.advance(Duration.ofSeconds(1));
        assertThat(tokens.verify(token, "10.0.0.7")).isEqualTo(ImdsTokens.Verdict.EXPIRED);
    }

    @Test
    void aTokenIsWorthlessFromAnotherAddress() {
        String token = tokens.issue("10.0.0.7", 21600);

        assertThat(tokens.verify(token, "10.0.0.8")).isEqualTo(ImdsTokens.Verdict.INVALID);
        assertThat(tokens.verify(token, "fd00::7")).isEqualTo(ImdsTokens.Verdict.INVALID);
    }

    @Test
    void aTokenIssuedOnOneThreadIsVerifiedOnAnother() throws Exception {
        // each event loop has its own keyed MAC: they must all hold the same key, and a refusal must not leave a MAC
        // half-used for the next request on that thread
        String token = tokens.issue("10.0.0.7", 60);
        var verdicts = new java.util.ArrayList<ImdsTokens.Verdict>();
        Thread other = Thread.ofPlatform().start(() -> {
            verdicts.add(tokens.verify(token, "10.0.0.8"));
            verdicts.add(tokens.verify(token, "10.0.0.7"));
            verdicts.add(tokens.verify(tokens.issue("10.0.0.9", 60), "10.0.0.9"));
        });
        other.join();

        assertThat(verdicts).containsExactly(ImdsTokens.Verdict.INVALID, ImdsTokens.Verdict.VALID,
                ImdsTokens.Verdict.VALID);
        assertThat(tokens.verify(token, "10.0.0.7")).isEqualTo(ImdsTokens.Verdict.VALID);
    }

    @Test
    void anotherProcessCannotVerifyOrForgeTokens() {
        ImdsTokens restarted = new ImdsTokens(clock, new SecureRandom());

        assertThat(restarted.verify(tokens.issue("10.0.0.7", 60), "10.0.0.7")).isEqualTo(ImdsTokens.Verdict.INVALID);
    }

    @Test
    void aLongerLifeCannotBeWrittenIntoAToken() {
        String token = tokens.issue("10.0.0.7", 1);
        byte[] body = java.util.Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.')));
        body[8] += 1; // expiry + 1 s, low byte of the epoch seconds
        String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(body)
                + token.substring(token.indexOf('.'));

        assertThat(tokens.verify(forged, "10.0.0.7")).isEqualTo(ImdsTokens.Verdict.INVALID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "a.b", "....", "AQAAAAAAAAA.", "not base64!.x"})
    void garbageIsMalformed(String token) {
        assertThat(tokens.verify(token, "10.0.0.7")).isIn(ImdsTokens.Verdict.MALFORMED, ImdsTokens.Verdict.INVALID);
        assertThat(tokens.verify("A".repeat(200), "10.0.0.7")).isEqualTo(ImdsTokens.Verdict.MALFORMED);
    }

    @Test
    void tokensAreDistinctAndDoNotPrintTheKey() {
        assertThat(tokens.issue("10.0.0.7", 60)).isNotEqualTo(tokens.issue("10.0.0.7", 60));
        assertThat(tokens.toString()).contains("redacted");
    }
}
