package io.iamlet.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps the caller's secrets out of logged stack traces. An unexpected exception is logged with its stack trace,
 * and some library along the way may have quoted the token it choked on: before logging, every message in the
 * chain has the request's secret header values (and each long dot-separated part of them, i.e. the segments of a
 * JWT) replaced by {@code [redacted]}.
 */
final class Redaction {

    private static final Set<String> SECRET_HEADERS =
            Set.of("authorization", "proxy-authorization", "cookie", "x-aws-ec2-metadata-token");
    private static final int MIN_SECRET_LENGTH = 8;

    private Redaction() {
    }

    /** The strings to cut out of anything logged about {@code request}. */
    static List<String> secretsOf(Request request) {
        List<String> secrets = new ArrayList<>();
        request.headers().forEach((name, value) -> {
            if (SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && value.length() >= MIN_SECRET_LENGTH) {
                secrets.add(value);
                for (String part : value.split("[.\\s]")) {
                    if (part.length() >= 2 * MIN_SECRET_LENGTH) {
                        secrets.add(part);
                    }
                }
            }
        });
        return List.copyOf(secrets);
    }

    /** {@code error} itself when there is nothing to hide, else a copy of its chain with the secrets cut out. */
    static Throwable redact(Throwable error, List<String> secrets) {
        return secrets.isEmpty() ? error : copy(error, secrets, 0);
    }

    private static Throwable copy(Throwable t, List<String> secrets, int depth) {
        if (t == null || depth > 32) {
            return null;
        }
        String message = t.getMessage();
        if (message != null) {
            for (String secret : secrets) {
                message = message.replace(secret, "[redacted]");
            }
        }
        String text = t.getClass().getName() + (message == null ? "" : ": " + message);
        Redacted copy = new Redacted(text, copy(t.getCause(), secrets, depth + 1));
        copy.setStackTrace(t.getStackTrace());
        for (Throwable suppressed : t.getSuppressed()) {
            copy.addSuppressed(copy(suppressed, secrets, depth + 1));
        }
        return copy;
    }

    /** Stands in for a logged exception; its message starts with the original class name. */
    static final class Redacted extends RuntimeException {
        Redacted(String text, Throwable cause) {
            super(text, cause);
        }
    }
}
