package io.iamlet.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SessionNamesTest {

    private static final String STS_SESSION_NAME = "[\\w+=,.@-]{2,64}";
    private static final String UID = "6f1c1e8e-2a57-4c59-9d0e-5b0f2c7c1a11";

    static Stream<Arguments> oddPods() {
        return Stream.of(
                Arguments.of("team-a", "web-7d4b9c-x2x9z"),
                Arguments.of("n".repeat(63), "p".repeat(253)),
                Arguments.of("ns", "p".repeat(253)),
                Arguments.of("n".repeat(63), "p"),
                Arguments.of("", ""),
                Arguments.of("späße", "pod mit leerzeichen/und/slash"),
                Arguments.of("emoji-\uD83D\uDE00", "tab\there"),
                Arguments.of("a:b", "c;d"));
    }

    @ParameterizedTest
    @MethodSource("oddPods")
    void podSessionNamesAlwaysSatisfySts(String namespace, String pod) {
        assertThat(SessionNames.forPod(namespace, pod, UID)).matches(STS_SESSION_NAME);
    }

    @ParameterizedTest
    @MethodSource("oddPods")
    void serviceAccountSessionNamesAlwaysSatisfySts(String namespace, String serviceAccount) {
        assertThat(SessionNames.forServiceAccount(namespace, serviceAccount)).matches(STS_SESSION_NAME);
    }

    @Test
    void podSessionNameNamesNamespaceAndPod() {
        assertThat(SessionNames.forPod("team-a", "web-7d4b9c-x2x9z", UID))
                .isEqualTo("team-a.web-7d4b9c-x2x9z." + SessionNames.hash(UID));
    }

    @Test
    void podsOfTheSameNameOverTimeGetDistinctSessions() {
        assertThat(SessionNames.forPod("db", "postgres-0", "uid-1"))
                .isNotEqualTo(SessionNames.forPod("db", "postgres-0", "uid-2"));
    }

    @Test
    void longNamesKeepTheirBeginningsAndStayApart() {
        String ns = "payments-" + "x".repeat(50);
        String a = SessionNames.forServiceAccount(ns, "reader-" + "y".repeat(80) + "-one");
        String b = SessionNames.forServiceAccount(ns, "reader-" + "y".repeat(80) + "-two");

        assertThat(a).hasSize(64).startsWith("payments-").contains(".reader-");
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void shortServiceAccountNamesAreUsedAsIs() {
        assertThat(SessionNames.forServiceAccount("team-a", "reader")).isEqualTo("team-a.reader");
    }

    @Test
    void replacedCharactersDoNotMakeDistinctNamesCollide() {
        assertThat(SessionNames.forServiceAccount("a", "b/c")).isNotEqualTo(SessionNames.forServiceAccount("a", "b:c"));
    }

    @Test
    void tagValuesAreCutToStsLimitAndCleaned() {
        assertThat(SessionNames.tagValue("p".repeat(300))).hasSize(256);
        assertThat(SessionNames.tagValue("a;b*c")).isEqualTo("a_b_c");
        assertThat(SessionNames.tagValue("team-a/web_1:x=y+z@q. ü")).isEqualTo("team-a/web_1:x=y+z@q. ü");
    }
}
