package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.failure.Failure;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BaseArnDiscoveryTest {

    private static byte[] info(String profileArn) {
        return ("{\"Code\":\"Success\",\"LastUpdated\":\"2026-01-01T00:00:00Z\",\"InstanceProfileArn\":\"" + profileArn
                + "\",\"InstanceProfileId\":\"AIPAEXAMPLE\"}").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource({
            "arn:aws:iam::111122223333:instance-profile/node,             arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:instance-profile/eks/nodes/ng-1,   arn:aws:iam::111122223333:role/",
            "arn:aws-cn:iam::444455556666:instance-profile/node,          arn:aws-cn:iam::444455556666:role/",
            "arn:aws-us-gov:iam::777788889999:instance-profile/node,      arn:aws-us-gov:iam::777788889999:role/"})
    void theBaseIsTheRolePrefixOfTheProfilesPartitionAndAccount(String profileArn, String base) {
        assertThat(BaseArnDiscovery.baseOf(info(profileArn))).isEqualTo(base);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "arn:aws:iam::111122223333:role/node",
            "arn:aws:iam::1111:instance-profile/node",
            "arn:evil:iam::111122223333:instance-profile/node",
            "arn:aws:sts::111122223333:instance-profile/node",
            "arn:aws:iam::111122223333:instance-profile/",
            "arn:aws:iam::111122223333:instance-profile/node\\nrole/x",
            "arn:aws:iam::111122223333:instance-profile/no de",
            " arn:aws:iam::111122223333:instance-profile/node",
            ""})
    void aProfileArnOfAnotherShapeGivesNoBase(String profileArn) {
        assertThatThrownBy(() -> BaseArnDiscovery.baseOf(info(profileArn)))
                .isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain("node");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[]", "{}", "{\"InstanceProfileArn\":42}", "null",
            "{\"Code\":\"Success\",\"InstanceProfileArn\":null}"})
    void aDocumentWithoutAProfileArnGivesNoBase(String document) {
        assertThatThrownBy(() -> BaseArnDiscovery.baseOf(document.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roleNamesAreRefusedUntilTheBaseArrivesAndThenResolvedAgainstIt() {
        var settings = MetadataSettings.builder().autoDiscoverBaseArn(true).defaultRole("fallback").build();
        var discovered = new AtomicReference<String>();
        var choice = new RoleChoice(settings, discovered::get);
        var named = FakePods.pod("team-a", "web", "10.0.0.7", Map.of(settings.podRoleAnnotation(), "web"));
        var full = FakePods.pod("team-a", "full", "10.0.0.8",
                Map.of(settings.podRoleAnnotation(), "arn:aws:iam::444455556666:role/web"));
        var unannotated = FakePods.pod("team-a", "plain", "10.0.0.9", Map.of());

        assertThatThrownBy(() -> choice.roleFor(named)).isInstanceOfSatisfying(Failure.Denied.class,
                d -> assertThat(d.reason()).isEqualTo("no_base_arn"));
        assertThatThrownBy(() -> choice.roleFor(unannotated)).isInstanceOf(Failure.Denied.class);
        assertThat(choice.roleFor(full)).contains("arn:aws:iam::444455556666:role/web");

        discovered.set("arn:aws:iam::111122223333:role/");

        assertThat(choice.roleFor(named)).contains("arn:aws:iam::111122223333:role/web");
        assertThat(choice.roleFor(unannotated)).contains("arn:aws:iam::111122223333:role/fallback");
        assertThat(choice.baseRoleArn()).isEqualTo("arn:aws:iam::111122223333:role/");
    }
}
