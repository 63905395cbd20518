package io.iamlet.logging;

import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * A throwable as text, root cause first ("Wrapped by: " for each wrapper), at most {@code maxFrames} frames per
 * throwable: the rendering of logstash-logback-encoder's ShortenedThrowableConverter as we configured it, kept so
 * that the stack_trace field reads as it always did. Frames shared with the enclosing throwable are counted, not
 * repeated (logback's ThrowableProxy works them out).
 */
final class ShortStackTrace {

    private final int maxFrames;

    ShortStackTrace(int maxFrames) {
        this.maxFrames = maxFrames;
    }

    String render(IThrowableProxy throwable) {
        StringBuilder text = new StringBuilder(2048);
        append(text, throwable, "", 1);
        return text.toString();
    }

    private void append(StringBuilder text, IThrowableProxy throwable, String prefix, int indent) {
        if (throwable.getCause() != null) {
            append(text, throwable.getCause(), prefix, indent);
            prefix = "";
        }
        tabs(text, indent - 1).append(prefix);
        if (throwable.getCause() != null) {
            text.append("Wrapped by: ");
        }
        // a throwable without a message reads "java.lang.NullPointerException: null", as it did before
        text.append(throwable.getClassName()).append(": ").append(throwable.getMessage()).append('\n');
        frames(text, throwable, indent);
        IThrowableProxy[] suppressed = throwable.getSuppressed();
        if (suppressed != null) {
            for (IThrowableProxy each : suppressed) {
                append(text, each, "Suppressed: ", indent + 1);
            }
        }
    }

    private void frames(StringBuilder text, IThrowableProxy throwable, int indent) {
        StackTraceElementProxy[] frames = throwable.getStackTraceElementProxyArray();
        int common = throwable.getCommonFrames();
        int own = frames.length - common;
        int shown = Math.min(own, maxFrames);
        for (int i = 0; i < shown; i++) {
            tabs(text, indent).append(frames[i]).append('\n');
        }
        if (own > maxFrames) {
            tabs(text, indent).append("... ").append(frames.length - shown).append(" frames truncated");
            if (common > 0) {
                text.append(" (including ").append(common).append(" common frames)");
            }
            text.append('\n');
        } else if (common > 0) {
            tabs(text, indent).append("... ").append(common).append(" common frames omitted\n");
        }
    }

    private static StringBuilder tabs(StringBuilder text, int count) {
        return text.repeat('\t', count);
    }
}
