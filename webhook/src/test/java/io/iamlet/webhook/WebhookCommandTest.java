package io.iamlet.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.iamlet.associations.RoleSource;
import io.iamlet.config.EnvironmentDefaults;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line: settings fail at start naming the flag; the manifests set only variables the webhook reads. */
class WebhookCommandTest {
    private static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void environmentTwinsConfigureTheWebhook() {
        WebhookConfig config = parse(Map.of("IAMLET_NAMESPACE", "iamlet-system", "IAMLET_IP_FAMILY", "ipv6",
                "IAMLET_TOKEN_EXPIRATION", "1h", "IAMLET_BIND_ADDRESS", "127.0.0.1"));

        assertThat(config.namespace()).isEqualTo("iamlet-system");
        assertThat(config.injection().credentialsUri()).isEqualTo("http://[fd00:ec2::23]/v1/credentials");
        assertThat(config.injection().expiration()).hasHours(1);
        assertThat(config.tlsFiles()).isEmpty();
        assertThat(config.listen()).isEqualTo(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(),
                8443));
        assertThat(parse(Map.of("IAMLET_NAMESPACE", "x")).listen().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(config.roleSource()).as("the agent's default").isEqualTo(RoleSource.ANNOTATION);
        assertThat(parse(Map.of("IAMLET_NAMESPACE", "x", "IAMLET_ROLE_SOURCE", "Association")).roleSource())
                .isEqualTo(RoleSource.ASSOCIATION);
    }

    @Test
    void associationStatusIsWrittenByDefaultAndJudgedAgainstTheAllowListGiven() {
        WebhookConfig defaults = parse(Map.of("IAMLET_NAMESPACE", "x"));
        WebhookConfig set = parse(Map.of("IAMLET_NAMESPACE", "x", "IAMLET_WRITE_ASSOCIATION_STATUS", "false",
                "IAMLET_ALLOWED_ROLE_PATTERN", "arn:aws:iam::111122223333:role/team-a/*, arn:aws:iam::*:role/ci"));

        assertThat(defaults.writeAssociationStatus()).isTrue();
        assertThat(defaults.allowedRoles().restricted()).isFalse();
        assertThat(set.writeAssociationStatus()).isFalse();
        assertThat(set.allowedRoles().allows("arn:aws:iam::111122223333:role/team-a/web")).isTrue();
        assertThat(set.allowedRoles().allows("arn:aws:iam::444455556666:role/ci")).isTrue();
        assertThat(set.allowedRoles().allows("arn:aws:iam::111122223333:role/team-b/web")).isFalse();
        assertThat(run(Map.of("IAMLET_NAMESPACE", "x"), "webhook", "--allowed-role-pattern", "role/*"))
                .contains("--allowed-role-pattern");
    }

    @Test
    void badSettingsFailAtStartWithAMessageThatNamesTheFlag() {
        String err = run(Map.of("IAMLET_NAMESPACE", "x"), "webhook", "--certificate-renew-before", "400d");

        assertThat(err).contains("--certificate-renew-before");
        assertThat(run(Map.of(), "webhook")).contains("--namespace");
        assertThat(run(Map.of("IAMLET_NAMESPACE", "x"), "webhook", "--tls-cert-file", "/a"))
                .contains("--tls-cert-file and --tls-key-file");
        assertThat(run(Map.of("IAMLET_NAMESPACE", "x"), "webhook", "--bind-address", "webhook.local"))
                .contains("--bind-address");
        assertThat(run(Map.of("IAMLET_NAMESPACE", "x"), "webhook", "--role-source", "crd"))
                .contains("--role-source must be annotation, association or both");
    }

    @Test
    void manifestsSetOnlyVariablesTheWebhookReads() throws IOException {
        Set<String> read = WebhookMain.commandLine(Map.of()).getSubcommands().get("webhook").getCommandSpec()
                .options().stream().filter(o -> !o.usageHelp() && !o.versionHelp())
                .map(EnvironmentDefaults::variableFor).collect(Collectors.toSet());
        var serialization = new KubernetesSerialization();

        for (String file : List.of("daemonset/webhook/deployment.yaml",
                "daemonset/webhook-cert-manager/deployment-patch.yaml")) {
            Deployment deployment = serialization.unmarshal(Files.readString(REPO.resolve(file)), Deployment.class);
            for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                assertThat(container.getEnv()).extracting(EnvVar::getName).filteredOn(n -> n.startsWith("IAMLET_"))
                        .as(file).isNotEmpty().allSatisfy(name -> assertThat(read).contains(name));
            }
        }
    }

    private static WebhookConfig parse(Map<String, String> environment, String... args) {
        CommandLine commandLine = WebhookMain.commandLine(environment);
        String[] full = new String[args.length + 1];
        full[0] = "webhook";
        System.arraycopy(args, 0, full, 1, args.length);
        var parsed = commandLine.parseArgs(full);
        return ((WebhookCommand) parsed.subcommand().commandSpec().userObject()).toConfig();
    }

    private static String run(Map<String, String> environment, String... args) {
        CommandLine commandLine = WebhookMain.commandLine(environment);
        var err = new ByteArrayOutputStream();
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        // validation fails in toConfig(), before anything connects anywhere
        int exit = commandLine.execute(args);
        assertThat(exit).isNotZero();
        return err.toString(StandardCharsets.UTF_8);
    }
}
