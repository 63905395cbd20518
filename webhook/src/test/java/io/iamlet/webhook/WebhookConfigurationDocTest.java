package io.iamlet.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.config.ConfigurationDoc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/webhook.md's flag table is what {@code iamlet webhook configuration-doc} prints: this fails when the page and
 * the flags drift apart (docs/configuration.md is generated from the agent's commands only).
 */
class WebhookConfigurationDocTest {

    private static final Path PAGE = Path.of("..", "docs", "webhook.md");

    @Test
    void webhookPageListsExactlyTheRealFlags() throws Exception {
        List<String> generated = flagRows(ConfigurationDoc.render(WebhookMain.commandLine(Map.of())));
        String page = Files.readString(PAGE);
        String configuration = page.substring(page.indexOf("## Configuration"), page.indexOf("## Troubleshooting"));

        assertThat(generated).contains("| `--role-source` | `IAMLET_ROLE_SOURCE` | `annotation` |"
                        + " Which pods get the injection; set it as the agent's --role-source. annotation: the service"
                        + " account carries --role-annotation. association: a PodIdentityAssociation matches (the"
                        + " annotation is ignored). both: either. |");
        assertThat(flagRows(configuration))
                .as("copy the table printed by: java -jar webhook/target/iamlet-webhook.jar configuration-doc")
                .containsExactlyElementsOf(generated);
    }

    private static List<String> flagRows(String markdown) {
        return markdown.lines().filter(line -> line.startsWith("| `--")).toList();
    }
}
