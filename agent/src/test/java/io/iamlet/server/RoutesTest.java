package io.iamlet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RoutesTest {

    private static final Handler A = r -> CompletableFuture.completedFuture(Response.text(200, "a"));
    private static final Handler B = r -> CompletableFuture.completedFuture(Response.text(200, "b"));
    private static final Handler C = r -> CompletableFuture.completedFuture(Response.text(200, "c"));

    @Test
    void exactRouteWinsOverPrefixAndLongestPrefixWins() {
        Routes routes = Routes.builder()
                .get("/latest/meta-data/iam/security-credentials/", "list", A)
                .prefix("GET", "/latest/meta-data/iam/security-credentials/", "role", B)
                .prefix("GET", "/latest/", "other", C)
                .build();
        assertThat(routes.match("GET", "/latest/meta-data/iam/security-credentials/"))
                .isEqualTo(new Routes.Match.Found("list", A));
        assertThat(routes.match("GET", "/latest/meta-data/iam/security-credentials/my-role"))
                .isEqualTo(new Routes.Match.Found("role", B));
        assertThat(routes.match("GET", "/latest/user-data")).isEqualTo(new Routes.Match.Found("other", C));
        assertThat(routes.match("GET", "/v1/credentials")).isEqualTo(new Routes.Match.NotFound());
    }

    @Test
    void pathsAreComparedRaw() {
        Routes routes = Routes.builder().get("/v1/credentials", "container", A).build();
        assertThat(routes.match("GET", "/v1/%63redentials")).isEqualTo(new Routes.Match.NotFound());
        assertThat(routes.match("GET", "/v1/credentials/")).isEqualTo(new Routes.Match.NotFound());
    }

    @Test
    void otherMethodOnAKnownPathListsTheAllowedOnes() {
        Routes routes = Routes.builder()
                .exact("PUT", "/latest/api/token", "token", A)
                .exact("GET", "/latest/api/token", "token", B)
                .build();
        assertThat(routes.match("POST", "/latest/api/token"))
                .isEqualTo(new Routes.Match.MethodNotAllowed("token", "GET, PUT"));
    }

    @Test
    void builtTableDoesNotChangeWhenTheBuilderIsReused() {
        Routes.Builder builder = Routes.builder().get("/a", "a", A);
        Routes routes = builder.build();
        builder.exact("PUT", "/a", "a", B);
        assertThat(routes.match("PUT", "/a")).isInstanceOf(Routes.Match.MethodNotAllowed.class);
    }

    @Test
    void refusesAmbiguousOrUntaggableRoutes() {
        assertThatThrownBy(() -> Routes.builder().get("/a", "a", A).get("/a", "b", B))
                .hasMessageContaining("registered twice");
        assertThatThrownBy(() -> Routes.builder().get("a", "a", A)).hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> Routes.builder().prefix("GET", "/a", "a", A)).hasMessageContaining("end with '/'");
        assertThatThrownBy(() -> Routes.builder().exact("get", "/a", "a", A)).hasMessageContaining("upper-case");
        assertThatThrownBy(() -> Routes.builder().get("/a", "Pod Name", A)).hasMessageContaining("metric tag");
    }
}
