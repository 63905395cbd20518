package io.iamlet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    void tokensThatShareASetEachKeepTheirOwnDigest() throws Exception {
        // same length and last bytes: the same set of two, so the third evicts the oldest
        List<String> sameSet = List.of(TOKEN, TOKEN.replace('x', 'y'), TOKEN.replace('x', 'z'), TOKEN.replace('x', 'w'));
        for (int round = 0; round < 3; round++) {
            for (String token : sameSet) {
                assertThat(TokenDigest.of(token)).isEqualTo(sha256(token));
                assertThat(TokenDigest.of(TOKEN)).isEqualTo(sha256(TOKEN));
            }
        }
    }

    @Test
    void threadsDigestingAtOnceNeverGetAnotherTokensDigest() throws Exception {
        // more tokens than slots, from four threads at once: the even ones all in one set (same length and end),
        // the odd ones spread over the sets (each ends differently)
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3 * TokenDigest.SETS; i++) {
            tokens.add(i % 2 == 0 ? TOKEN.substring(0, 100) + "%05d".formatted(i) + TOKEN.substring(105)
                    : TOKEN + i);
        }
        Map<String, TokenDigest> expected = new HashMap<>();
        for (String token : tokens) {
            expected.put(token, sha256(token));
        }
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(threads.submit(() -> {
                    int wrong = 0;
                    for (int n = 0; n < 20_000; n++) {
                        String token = tokens.get((n * 7 + seed * 13) % tokens.size());
                        if (!TokenDigest.of(token).equals(expected.get(token))) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get()).isZero();
            }
        }
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
