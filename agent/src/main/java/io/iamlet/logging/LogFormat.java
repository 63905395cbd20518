package io.iamlet.logging;

import java.util.Map;

/**
 * Chooses the log format before logback starts: logback is set up once ({@link LogConfiguration}), at the first
 * logger, so the flag (or its environment twin) is looked at here, ahead of picocli. Every entry point (agent, demo,
 * webhook) calls it first.
 */
public final class LogFormat {

    private LogFormat() {
    }

    public static void choose(String[] args, Map<String, String> environment) {
        // the demo is read by a person at a terminal; the agent's logs are read by a log pipeline
        boolean demo = args.length > 0 && args[0].equals("demo");
        String format = environment.getOrDefault("IAMLET_LOG_FORMAT", demo ? "text" : "json");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--log-format") && i + 1 < args.length) {
                format = args[i + 1];
            } else if (args[i].startsWith("--log-format=")) {
                format = args[i].substring("--log-format=".length());
            }
        }
        // an unknown value is refused by the configuration's validation; log in JSON until then
        if ("text".equals(format)) {
            System.setProperty(LogConfiguration.FORMAT_PROPERTY, "text");
        }
    }
}
