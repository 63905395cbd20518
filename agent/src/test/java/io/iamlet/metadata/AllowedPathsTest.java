package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AllowedPathsTest {

    private final AllowedPaths defaults = new AllowedPaths(MetadataSettings.DEFAULT_ALLOWED_PATHS);

    @ParameterizedTest
    @ValueSource(strings = {
            "/latest/user-data",
            "/latest/user-data/",
            "/2021-07-15/user-data",
            "/user-data",
            "/latest/USER-DATA",
            "/latest/meta-data/iam/security-credentials/node-role",
            "/latest/meta-data/iam/info",
            "/latest/meta-data/iam",
            "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
            "/latest/meta-data/identity-credentials/ec2/info",
            "/latest/dynamic/instance-identity/pkcs7",
            "/latest/dynamic/instance-identity/signature",
            "/latest/dynamic/instance-identity/rsa2048",
            "/latest/api/token"})
    void neverProxiesSecretsEvenWhenTheListNamesThem(String path) {
        AllowedPaths careless = new AllowedPaths(List.of(path));

        assertThat(careless.proxied(path)).isFalse();
        assertThat(AllowedPaths.problem(path)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/latest/meta-data/instance-id",
            "/latest/meta-data/placement/region",
            "/latest/meta-data/placement/availability-zone",
            "/latest/meta-data/instance-type",
            "/latest/meta-data/local-ipv4",
            "/latest/meta-data/mac",
            "/latest/meta-data/ami-id",
            "/latest/meta-data/hostname"})
    void proxiesTheDefaultSafeSet(String path) {
        assertThat(defaults.proxied(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/latest/meta-data/instance-id/",
            "/latest/meta-data//instance-id",
            "/latest/meta-data/./instance-id",
            "/latest/meta-data/placement/../instance-id",
            "/latest/meta-data/%69nstance-id",
            "/latest/meta-data/Instance-id",
            "/2021-07-15/meta-data/instance-id",
            "/latest/meta-data/public-keys/0/openssh-key",
            "/latest/dynamic/instance-identity/document"})
    void proxiesNothingElse(String path) {
        assertThat(defaults.proxied(path)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "meta-data/instance-id | absolute path under /latest/",
            "/latest/meta-data/placement/ | plain path",
            "/latest/meta-data/../user-data | plain path",
            "/latest/meta-data/%2e%2e/x | plain path",
            "/latest/meta-data/a b | plain path",
            "/latest/meta-data/iam/security-credentials/x | never proxied"})
    void refusesAListEntryWithAReason(String path, String reason) {
        assertThat(AllowedPaths.problem(path)).get().asString().contains(reason);
    }

    @Test
    void listsOnlyWhatAPodCouldRead() {
        assertThat(defaults.listing("/latest/meta-data/")).contains(String.join("\n", "ami-id", "hostname", "iam/",
                "instance-id", "instance-type", "local-ipv4", "mac", "placement/"));
        assertThat(defaults.listing("/latest/meta-data")).isEqualTo(defaults.listing("/latest/meta-data/"));
        assertThat(defaults.listing("/latest/meta-data/placement/")).contains("availability-zone\nregion");
        assertThat(defaults.listing("/latest/meta-data/iam/")).contains("info\nsecurity-credentials/");
        assertThat(defaults.listing("/latest/")).contains("meta-data");
        assertThat(defaults.listing("/")).contains("latest");
        assertThat(defaults.listing("/latest/meta-data/instance-id")).isEmpty();
        assertThat(defaults.listing("/latest/meta-data/network/")).isEmpty();
        assertThat(defaults.listing("/latest/meta-data/../meta-data/")).isEmpty();
    }

    @Test
    void listsAConfiguredDynamicDocumentUnderLatest() {
        AllowedPaths paths = new AllowedPaths(List.of("/latest/dynamic/instance-identity/document",
                "/latest/meta-data/instance-id"));

        assertThat(paths.listing("/latest/")).contains("dynamic\nmeta-data");
        assertThat(paths.proxied("/latest/dynamic/instance-identity/document")).isTrue();
    }
}
