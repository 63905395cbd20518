package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MetadataSettingsTest {

    @Test
    void defaultsAreSafe() {
        MetadataSettings s = MetadataSettings.builder().build();

        assertThat(s.podRoleAnnotation()).isEqualTo("iam.amazonaws.com/role");
        assertThat(s.namespaceRestrictions()).isTrue();
        assertThat(s.imdsv2Required()).isFalse();
        assertThat(s.baseRoleArn()).isNull();
        assertThat(s.defaultRole()).isNull();
        assertThat(s.upstream()).isEqualTo(URI.create("http://169.254.169.254"));
        assertThat(s.allowedPaths()).containsExactlyInAnyOrderElementsOf(MetadataSettings.DEFAULT_ALLOWED_PATHS);
    }

    @Test
    void aDefaultRoleNameWaitsForTheDiscoveredBase() {
        MetadataSettings s = MetadataSettings.builder().autoDiscoverBaseArn(true).defaultRole("app").build();

        assertThat(s.defaultRole()).isEqualTo("app");
        assertThat(s.baseRoleArn()).isNull();
    }

    static Stream<Arguments> badSettings() {
        return Stream.<Arguments>of(
                bad(b -> b.podRoleAnnotation(" "), "--pod-role-annotation"),
                bad(b -> b.baseRoleArn("arn:aws:iam::123456789012:role"), "--base-role-arn"),
                bad(b -> b.baseRoleArn("arn:aws:iam::123456789012:role/team"), "--base-role-arn"),
                bad(b -> b.baseRoleArn("arn:aws:iam::12345:role/"), "--base-role-arn"),
                bad(b -> b.baseRoleArn("arn:aws:iam::123456789012:role/../"), "--base-role-arn"),
                bad(b -> b.defaultRole("app"), "--default-role is a role name"),
                bad(b -> b.baseRoleArn("arn:aws:iam::123456789012:role/").defaultRole("../x"), "--default-role"),
                bad(b -> b.autoDiscoverBaseArn(true).defaultRole("../x"), "--default-role is not a valid IAM role"),
                bad(b -> b.allowedPaths(List.of("/latest/user-data")), "--metadata-allowed-path"),
                bad(b -> b.allowedPaths(List.of("/latest/meta-data/iam/info")), "never proxied"),
                bad(b -> b.upstream(URI.create("https://169.254.169.254")), "--metadata-upstream"),
                bad(b -> b.upstream(URI.create("http://169.254.169.254/latest")), "--metadata-upstream"),
                bad(b -> b.upstream(URI.create("http://user@169.254.169.254")), "--metadata-upstream"),
                bad(b -> b.upstreamTimeout(Duration.ZERO), "--metadata-upstream-timeout"),
                bad(b -> b.upstreamTimeout(Duration.ofMinutes(5)), "--metadata-upstream-timeout"));
    }

    private static Arguments bad(UnaryOperator<MetadataSettings.Builder> change, String message) {
        return Arguments.of(change, message);
    }

    @ParameterizedTest
    @MethodSource("badSettings")
    void refusesBadSettingsNamingTheFlag(UnaryOperator<MetadataSettings.Builder> change, String message) {
        assertThatThrownBy(() -> change.apply(MetadataSettings.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void acceptsABaseArnWithAPathAndADefaultRoleName() {
        MetadataSettings s = MetadataSettings.builder().baseRoleArn("arn:aws:iam::123456789012:role/team-a/")
                .defaultRole(" reader ").upstream(URI.create("http://127.0.0.1:8080/")).build();

        assertThat(s.defaultRole()).isEqualTo("reader");
        assertThat(s.toBuilder().build()).isEqualTo(s);
    }
}
