package io.iamlet.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.server.Request;
import io.iamlet.server.Response;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code /readyz} and the readiness gauges, with checks flipped by hand. */
class ReadinessTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicBoolean listeners = new AtomicBoolean(true);
    private final AtomicBoolean informer = new AtomicBoolean(false);
    private final AtomicBoolean jwks = new AtomicBoolean(false);
    private final Readiness readiness = Readiness.builder()
            .check("listeners", listeners::get)
            .check("pod-informer", informer::get)
            .check("jwks", jwks::get)
            .build(registry);

    static Response get(Readiness readiness, String query, String accept) {
        Map<String, String> headers = accept == null ? Map.of() : Map.of("accept", accept);
        return readiness.handler().handle(new Request("GET", "/readyz", query, headers, "127.0.0.1", new byte[0]))
                .join();
    }

    static String body(Response response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double check(String name) {
        return registry.get("iamlet.readiness.check").tag("check", name).gauge().value();
    }

    @Test
    void answers503NamingTheFailingChecksUntilTheyPassThen200() {
        Response before = get(readiness, "", null);

        assertThat(before.status()).isEqualTo(503);
        assertThat(body(before)).isEqualTo("""
                [+]listeners ok
                [-]pod-informer failed
                [-]jwks failed
                readyz check failed: pod-informer, jwks
                """);
        assertThat(gauge("iamlet.ready")).isZero();
        assertThat(check("listeners")).isOne();
        assertThat(check("pod-informer")).isZero();

        informer.set(true);
        assertThat(get(readiness, "", null).status()).isEqualTo(503);
        jwks.set(true);

        Response after = get(readiness, "", null);
        assertThat(after.status()).isEqualTo(200);
        assertThat(body(after)).isEqualTo("ok\n");
        assertThat(gauge("iamlet.ready")).isOne();
        assertThat(check("pod-informer")).isOne();
    }

    @Test
    void goesBackTo503WhenACheckStopsPassing() {
        informer.set(true);
        jwks.set(true);
        assertThat(get(readiness, "", null).status()).isEqualTo(200);

        listeners.set(false);

        assertThat(get(readiness, "", null).status()).isEqualTo(503);
        assertThat(gauge("iamlet.ready")).isZero();
    }

    @ParameterizedTest(name = "?{0}")
    @CsvSource({"verbose", "verbose=", "verbose=true", "verbose=1", "exclude=x&verbose"})
    void listsEveryCheckWhenAskedForVerboseOutput(String query) {
        informer.set(true);
        jwks.set(true);

        assertThat(body(get(readiness, query, null))).isEqualTo("""
                [+]listeners ok
                [+]pod-informer ok
                [+]jwks ok
                readyz check passed
                """);
    }

    @ParameterizedTest(name = "?{0}")
    @CsvSource({"verbose=false", "verbose=0", "verbosity", "''"})
    void staysTerseOtherwise(String query) {
        informer.set(true);
        jwks.set(true);

        assertThat(body(get(readiness, query, null))).isEqualTo("ok\n");
    }

    @Test
    void answersJsonWhenAskedForIt() {
        informer.set(true);

        Response response = get(readiness, "", "application/json");
        JsonNode json = JsonMapper.shared().readTree(response.body());

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.contentType()).isEqualTo("application/json");
        assertThat(json.get("ready").asBoolean()).isFalse();
        assertThat(json.get("checks")).hasSize(3);
        assertThat(json.get("checks").get(2).get("name").asString()).isEqualTo("jwks");
        assertThat(json.get("checks").get(2).get("ready").asBoolean()).isFalse();
    }

    @Test
    void showsTheDetailOfACheck() {
        Readiness withDetail = Readiness.builder().check("node-credentials", new ReadinessCheck() {
            @Override
            public boolean ready() {
                return false;
            }

            @Override
            public String detail() {
                return "last check failed 3s ago:\nsts_node_credentials";
            }
        }).build(new SimpleMeterRegistry());

        assertThat(body(get(withDetail, "", null)))
                .contains("[-]node-credentials failed: last check failed 3s ago: sts_node_credentials\n");
    }

    @Test
    void isNotReadyOnceShutdownStarts() {
        informer.set(true);
        jwks.set(true);

        readiness.shuttingDown();

        Response response = get(readiness, "", null);
        assertThat(response.status()).isEqualTo(503);
        assertThat(body(response)).contains("[-]shutdown failed: iamlet is stopping");
        assertThat(gauge("iamlet.ready")).isZero();
    }

    @Test
    void aCheckThatThrowsCountsAsFailing() {
        Readiness broken = Readiness.builder().check("broken", () -> {
            throw new IllegalStateException("boom");
        }).build(new SimpleMeterRegistry());

        assertThat(get(broken, "", null).status()).isEqualTo(503);
    }

    @Test
    void withoutChecksIsReadyUntilShutdown() {
        Readiness none = Readiness.builder().build(new SimpleMeterRegistry());
        assertThat(none.ready()).isTrue();

        none.shuttingDown();

        assertThat(none.ready()).isFalse();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource({"Pod-Informer", "pod informer", "''", "shutdown", "-x", "a-name-that-is-longer-than-forty-characters-x"})
    void refusesCheckNamesThatAreNotShortWords(String name) {
        assertThatThrownBy(() -> Readiness.builder().check(name, () -> true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acceptsUnderscoresAndDashes() {
        Readiness named = Readiness.builder().check("pods_synced", () -> true).check("signing-keys", () -> true)
                .build(new SimpleMeterRegistry());

        assertThat(named.evaluate().results()).extracting(Readiness.Result::name)
                .containsExactly("pods_synced", "signing-keys");
    }

    @Test
    void refusesTheSameNameTwice() {
        assertThatThrownBy(() -> Readiness.builder().check("jwks", () -> true).check("jwks", () -> true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    }
}
