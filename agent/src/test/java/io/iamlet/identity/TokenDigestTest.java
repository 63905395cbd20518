package io.iamlet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TokenDigestTest {

    static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9." + "x".repeat(900) + ".c2lnbmF0dXJl";

    @Test
    void isTheSha256OfTheTokenWhetherDigestedAfreshOrRemembered() throws Exception {
        TokenDigest first = TokenDigest.of(TOKEN);
        TokenDigest again = TokenDigest.of(new String(TOKEN.toCharArray())); // equal text, another string

        assertThat(first).isEqualTo(sha256(TOKEN));
        assertThat(again).isEqualTo(sha256(TOKEN));
    }

    @Test
    void aTokenDifferingFromTheLastOneInAnyPlaceGetsItsOwnDigest() throws Exception {
        for (int at : new int[] {0, TOKEN.length() / 2, TOKEN.length() - 1}) {
            String other = TOKEN.substring(0, at) + (TOKEN.charAt(at) == 'A' ? 'B' : 'A') + TOKEN.substring(at + 1);
            TokenDigest.of(TOKEN);

            assertThat(TokenDigest.of(other)).as("changed at %d", at).isEqualTo(sha256(other))
                    .isNotEqualTo(sha256(TOKEN));
            assertThat(TokenDigest.of(TOKEN)).isEqualTo(sha256(TOKEN));
        }
        assertThat(TokenDigest.of(TOKEN + "A")).isEqualTo(sha256(TOKEN + "A"));
        assertThat(TokenDigest.of(TOKEN.substring(1))).isEqualTo(sha256(TOKEN.substring(1)));
    }

    @Test
    void eachThreadRemembersItsOwnLastToken() throws Exception {
        TokenDigest.of(TOKEN);
        String other = TOKEN.replace('x', 'y');

        TokenDigest elsewhere = CompletableFuture.supplyAsync(() -> TokenDigest.of(other)).join();

        assertThat(elsewhere).isEqualTo(sha256(other));
        assertThat(TokenDigest.of(TOKEN)).isEqualTo(sha256(TOKEN));
    }

    @Test
    void printsNeitherTheTokenNorTheWholeDigest() {
        assertThat(TokenDigest.of(TOKEN).toString()).doesNotContain("eyJ").hasSizeLessThan(40);
    }

    private static TokenDigest sha256(String token) throws Exception {
        ByteBuffer bits = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
        return new TokenDigest(bits.getLong(), bits.getLong(), bits.getLong(), bits.getLong());
    }
}
