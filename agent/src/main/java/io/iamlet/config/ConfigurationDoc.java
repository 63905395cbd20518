package io.iamlet.config;

import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Renders docs/configuration.md from the command definitions themselves, so the page cannot drift from the real
 * flags: a test compares the committed page with this rendering.
 */
public final class ConfigurationDoc {

    private ConfigurationDoc() {
    }

    public static String render(CommandLine root) {
        var out = new StringBuilder();
        out.append("# Configuration\n\n")
                .append("<!-- Generated from the command definitions by `iamlet configuration-doc`; a test fails when "
                        + "this page and the flags disagree. Edit the @Option descriptions, then regenerate. -->\n\n")
                .append("Every flag has an environment variable twin: `--some-flag` is read from `IAMLET_SOME_FLAG` ")
                .append("when the flag is not given. A flag beats its variable; the variable beats the default. ")
                .append("Lists take commas (`--container-listen a:80,b:80`). Durations take `500ms`, `2s`, `30m`, ")
                .append("`1h` or ISO-8601 (`PT1H`).\n\n")
                .append("Standard variables honoured as well: `KUBECONFIG` (else in-cluster config), `AWS_REGION`, ")
                .append("`AWS_ENDPOINT_URL_STS`, `HTTPS_PROXY`/`NO_PROXY`, and for the node's own credentials ")
                .append("(assume-role source) the AWS SDKs' default-chain variables: see [sts.md](sts.md).\n");
        for (var sub : root.getSubcommands().values().stream().distinct().toList()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.usageMessage().hidden()) {
                continue;
            }
            out.append("\n## `iamlet ").append(spec.name()).append("`\n\n");
            out.append(String.join(" ", spec.usageMessage().description())).append("\n\n");
            var options = spec.options().stream().filter(o -> !o.usageHelp() && !o.versionHelp() && !o.hidden())
                    .toList();
            if (options.isEmpty()) {
                out.append("No flags.\n");
                continue;
            }
            out.append("| flag | environment | default | meaning |\n|---|---|---|---|\n");
            for (OptionSpec o : options) {
                out.append("| `").append(o.longestName()).append("` | `").append(EnvironmentDefaults.variableFor(o))
                        .append("` | ").append(defaultOf(o)).append(" | ")
                        .append(String.join(" ", o.description()).replace("|", "\\|")).append(" |\n");
            }
        }
        return out.toString();
    }

    private static String defaultOf(OptionSpec o) {
        String d = o.defaultValue();
        if (d == null || d.isEmpty()) {
            return o.required() ? "required" : "(none)";
        }
        return "`" + d + "`";
    }

    /** Lines trimmed of trailing blanks, so the comparison is about content. */
    public static String normalise(String text) {
        return text.lines().map(String::stripTrailing).collect(Collectors.joining("\n")).strip() + "\n";
    }
}
