package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.credentials.CredentialSource.CacheKey;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The credential cache's key decides which grants share credentials. Its equals and hashCode are written out (the
 * record's own go through method handles, slow under C1), so each part of it is checked to keep two grants apart.
 */
class CacheKeyTest {

    private static final String ROLE = "arn:aws:iam::111122223333:role/reader";
    private static final String TARGET = "arn:aws:iam::444455556666:role/target";
    private static final Identity.Session CHAINED = new Identity.Session(TARGET, "ext-1", false, Map.of("team", "a"));

    private static CacheKey base() {
        return new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-1", CHAINED);
    }

    static Stream<Arguments> keysThatDifferInOnePart() {
        return Stream.of(
                Arguments.of("source", new CacheKey("assume-role", ROLE, "team-a", "reader", "uid-1", CHAINED)),
                Arguments.of("role", new CacheKey("web-identity", ROLE + "2", "team-a", "reader", "uid-1", CHAINED)),
                Arguments.of("namespace", new CacheKey("web-identity", ROLE, "team-b", "reader", "uid-1", CHAINED)),
                Arguments.of("service account",
                        new CacheKey("web-identity", ROLE, "team-a", "writer", "uid-1", CHAINED)),
                Arguments.of("pod uid", new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-2", CHAINED)),
                Arguments.of("no pod uid", new CacheKey("web-identity", ROLE, "team-a", "reader", null, CHAINED)),
                Arguments.of("target role", new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-1",
                        new Identity.Session(TARGET + "2", "ext-1", false, Map.of("team", "a")))),
                Arguments.of("external id", new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-1",
                        new Identity.Session(TARGET, "ext-2", false, Map.of("team", "a")))),
                Arguments.of("no external id", new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-1",
                        new Identity.Session(TARGET, null, false, Map.of("team", "a")))),
                Arguments.of("session tags value", new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-1",
                        new Identity.Session(TARGET, "ext-1", false, Map.of("team", "b")))),
                Arguments.of("tags disabled", new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-1",
                        new Identity.Session(TARGET, "ext-1", true, Map.of()))),
                Arguments.of("not chained", new CacheKey("web-identity", ROLE, "team-a", "reader", "uid-1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keysThatDifferInOnePart")
    void grantsThatDifferInOnePartNeverShareAnEntry(String part, CacheKey other) {
        assertThat(other).isNotEqualTo(base());
        assertThat(base()).isNotEqualTo(other);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keysThatDifferInOnePart")
    void equalKeysAreOneEntry(String part, CacheKey other) {
        CacheKey copy = new CacheKey(other.source(), other.roleArn(), other.namespace(), other.serviceAccount(),
                other.podUid(), new Identity.Session(other.session().targetRoleArn(), other.session().externalId(),
                        other.session().disableSessionTags(), Map.copyOf(other.session().extraTags())));
        assertThat(copy).isEqualTo(other).hasSameHashCodeAs(other);
        assertThat(copy).isNotEqualTo(null).isNotEqualTo("not a key");
    }
}
