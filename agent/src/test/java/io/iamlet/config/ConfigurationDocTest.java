package io.iamlet.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.iamlet.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is generated from the flags; this fails when the two drift apart. */
class ConfigurationDocTest {

    private static final Path PAGE = Path.of("..", "docs", "configuration.md");

    @Test
    void configurationPageMatchesTheRealFlags() throws Exception {
        String expected = ConfigurationDoc.normalise(ConfigurationDoc.render(Main.commandLine(Map.of())));
        if (Boolean.getBoolean("iamlet.docs.write")) {
            Files.writeString(PAGE, expected);
        }
        assertThat(PAGE).as("regenerate with: ./mvnw -pl agent test -Dtest=ConfigurationDocTest -Diamlet.docs.write=true")
                .exists();
        assertThat(ConfigurationDoc.normalise(Files.readString(PAGE))).isEqualTo(expected);
    }

    @Test
    void everyDocumentedFlagNamesItsEnvironmentVariable() {
        String page = ConfigurationDoc.render(Main.commandLine(Map.of()));
        assertThat(page).contains("| `--node-name` | `IAMLET_NODE_NAME` |")
                .contains("| `--unknown-ip-wait` | `IAMLET_UNKNOWN_IP_WAIT` | `1s` |");
    }
}
