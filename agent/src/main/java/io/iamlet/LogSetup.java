package io.iamlet;

import java.util.Map;

/**
 * Chooses the log format before logback starts: logback reads {@code iamlet.log.format} once, at the first
 * logger, so the flag (or its environment twin) is looked at here, ahead of picocli.
 */
final class LogSetup {

    private LogSetup() {
    }

    static void configure(String[] args, Map<String, String> environment) {
        String format = environment.getOrDefault("IAMLET_LOG_FORMAT", "json");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--log-format") && i + 1 < args.length) {
                format = args[i + 1];
            } else if (args[i].startsWith("--log-format=")) {
                format = args[i].substring("--log-format=".length());
            }
        }
        if (System.getProperty("iamlet.log.format") == null) {
            // an unknown value is refused by the configuration's validation; log in JSON until then
            System.setProperty("iamlet.log.format", "text".equals(format) ? "text" : "json");
        }
    }
}
