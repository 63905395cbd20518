package io.iamlet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iamlet.associations.RoleSource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ServeOptionsTest {

    @Command(name = "serve")
    static final class Holder {
        @Mixin
        ServeOptions options;
    }

    private static AgentConfig parse(Map<String, String> env, String... args) {
        var holder = new Holder();
        new CommandLine(holder).setDefaultValueProvider(new EnvironmentDefaults(env)).parseArgs(args);
        return holder.options.toConfig();
    }

    @Test
    void defaultsMatchThePodIdentityAgent() {
        AgentConfig c = parse(Map.of(), "--node-name", "n1");
        assertThat(c.containerListen()).containsExactly("169.254.170.23:80", "[fd00:ec2::23]:80");
        assertThat(c.metadataEnabled()).isFalse();
        assertThat(c.probeListen()).containsExactly("127.0.0.1:2703");
        assertThat(c.metricsListen()).containsExactly("127.0.0.1:9876");
        assertThat(c.credentialSource()).isEqualTo(CredentialSourceKind.WEB_IDENTITY);
        assertThat(c.audience()).isEqualTo("pods.eks.amazonaws.com");
        assertThat(c.roleAnnotation()).isEqualTo("eks.amazonaws.com/role-arn");
        assertThat(c.sessionDuration()).isEqualTo(Duration.ofHours(1));
        assertThat(c.refreshFraction()).isEqualTo(0.8);
        assertThat(c.refreshMinRemaining()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.unknownIpWait()).isEqualTo(Duration.ofSeconds(1));
    }

    /** Every SDK gets its answer, a retryable 503 at worst, before it gives up (botocore after 2 s). */
    @Test
    void credentialRequestsAreAnsweredWithinTheSdksPatienceByDefault() {
        AgentConfig.Faults f = parse(Map.of(), "--node-name", "n1").faults();
        assertThat(f.requestDeadline()).isEqualTo(Duration.ofMillis(1500));
        assertThat(f.stsFirstLoadTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(f.failedLoadUnavailable()).isEqualTo(Duration.ofSeconds(3));
        assertThat(f.failedLoadDenied()).isEqualTo(Duration.ofSeconds(30));
        assertThat(f.maxConnectionsPerSource()).isEqualTo(64);
        assertThat(f).isEqualTo(AgentConfig.Faults.defaults());
    }

    @Test
    void rolesComeFromTheAnnotationUnlessAssociationsAreChosen() {
        assertThat(parse(Map.of(), "--node-name", "n1").roleSource()).isEqualTo(RoleSource.ANNOTATION);
        assertThat(parse(Map.of(), "--node-name", "n1", "--role-source", "association").roleSource())
                .isEqualTo(RoleSource.ASSOCIATION);
        assertThat(parse(Map.of("IAMLET_ROLE_SOURCE", "both"), "--node-name", "n1").roleSource())
                .isEqualTo(RoleSource.BOTH);
    }

    @Test
    void faultSettingsAreReadFromFlagsAndEnvironment() {
        AgentConfig.Faults f = parse(Map.of("IAMLET_FAILED_LOAD_TTL_DENIED", "0s", "IAMLET_MAX_CONNECTIONS_PER_SOURCE",
                "8"), "--node-name", "n1", "--request-deadline", "3s", "--unknown-ip-wait", "2s",
                "--sts-first-load-timeout", "800ms", "--failed-load-ttl-unavailable", "10s").faults();
        assertThat(f).isEqualTo(new AgentConfig.Faults(Duration.ofSeconds(3), Duration.ofMillis(800),
                Duration.ofSeconds(10), Duration.ZERO, 8));
    }

    @Test
    void everyFlagIsReadFromItsEnvironmentTwin() {
        AgentConfig c = parse(Map.of(
                "IAMLET_NODE_NAME", "node-a",
                "IAMLET_HOST_IP", "10.0.0.5",
                "IAMLET_CONTAINER_LISTEN", "127.0.0.1:8080, [::1]:8080",
                "IAMLET_SESSION_DURATION", "2h",
                "IAMLET_ALLOWED_ROLE_PATTERN", "arn:aws:iam::111122223333:role/a-*,arn:aws:iam::111122223333:role/b"));
        assertThat(c.nodeName()).isEqualTo("node-a");
        assertThat(c.containerListen()).containsExactly("127.0.0.1:8080", "[::1]:8080");
        assertThat(c.metricsListen()).as("metrics default to the host IP").containsExactly("10.0.0.5:9876");
        assertThat(c.sessionDuration()).isEqualTo(Duration.ofHours(2));
        assertThat(c.allowedRolePatterns()).hasSize(2);
    }

    @Test
    void theBaseRoleArnIsDiscoveredUnlessTurnedOff() {
        assertThat(parse(Map.of(), "--node-name", "n1").metadata().autoDiscoverBaseArn()).isTrue();
        assertThat(parse(Map.of(), "--node-name", "n1", "--auto-discover-base-arn", "false").metadata()
                .autoDiscoverBaseArn()).isFalse();
        assertThat(parse(Map.of("IAMLET_AUTO_DISCOVER_BASE_ARN", "false"), "--node-name", "n1").metadata()
                .autoDiscoverBaseArn()).isFalse();
    }

    @Test
    void auditWritesFirstGrantsUnlessEveryGrantIsAsked() {
        assertThat(parse(Map.of(), "--node-name", "n1").auditEveryGrant()).isFalse();
        assertThat(parse(Map.of(), "--node-name", "n1", "--audit-every-grant", "true").auditEveryGrant()).isTrue();
        assertThat(parse(Map.of("IAMLET_AUDIT_EVERY_GRANT", "true"), "--node-name", "n1").auditEveryGrant())
                .isTrue();
    }

    @Test
    void aFlagBeatsItsEnvironmentTwin() {
        AgentConfig c = parse(Map.of("IAMLET_NODE_NAME", "from-env", "IAMLET_AUDIENCE", "env-aud"),
                "--node-name", "from-flag");
        assertThat(c.nodeName()).isEqualTo("from-flag");
        assertThat(c.audience()).isEqualTo("env-aud");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--refresh-fraction=1.5            | --refresh-fraction must be in (0,1], was 1.5",
            "--session-duration=5m             | --session-duration must be between 15m and 12h",
            "--unknown-ip-wait=1m              | --unknown-ip-wait must be between 0 and 10s",
            "--credential-source=magic         | --credential-source must be web-identity or assume-role",
            "--credential-source=assume-role   | --cluster-name is required with --credential-source=assume-role",
            "--cache-max-identities=0          | --cache-max-identities must be at least 1",
            "--log-format=xml                  | --log-format must be json or text",
            "--sts-endpoint=not a url          | --sts-endpoint must be an absolute URL",
            "--sts-endpoint=https://sts.example/?Action=1 | --sts-endpoint must be an http(s) URL with a host and",
            "--sts-endpoint=https://sts.example/#x | --sts-endpoint must be an http(s) URL with a host and without",
            "--sts-endpoint=ftp://sts.example/ | --sts-endpoint must be an http(s) URL",
            "--refresh-min-remaining=2h        | --refresh-min-remaining must be at least 0 and shorter than",
            "--unknown-ip-wait=2s              | --unknown-ip-wait must be shorter than --request-deadline",
            "--request-deadline=100ms          | --request-deadline must be between 200ms and 30s",
            "--sts-first-load-timeout=1m       | --sts-first-load-timeout must be between 100ms and 30s",
            "--failed-load-ttl-unavailable=PT-1S | --failed-load-ttl-unavailable must be between 0 and 5m",
            "--failed-load-ttl-denied=1h       | --failed-load-ttl-denied must be between 0 and 30m",
            "--max-connections-per-source=0    | --max-connections-per-source must be at least 1",
            "--role-source=namespace           | --role-source must be annotation, association or both",
    })
    void badSettingsFailAtStartNamingTheSetting(String arg, String message) {
        assertThatThrownBy(() -> parse(Map.of(), "--node-name", "n", arg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void nodeNameIsRequired() {
        assertThatThrownBy(() -> parse(Map.of()))
                .hasMessageContaining("--node-name is required");
    }

    @ParameterizedTest
    @CsvSource({"500ms,PT0.5S", "2s,PT2S", "30m,PT30M", "1h30m,PT1H30M", "PT1H,PT1H", "pt15m,PT15M"})
    void durationsReadLikeOperatorsWriteThem(String text, String iso) {
        assertThat(DurationConverter.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest
    @CsvSource({"1x", "h", "-5s", "1.5h", "''"})
    void nonsenseDurationsAreRefused(String text) {
        assertThatThrownBy(() -> DurationConverter.parse(text)).hasMessageContaining("is not a duration");
    }
}
