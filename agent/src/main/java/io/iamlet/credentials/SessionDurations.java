package io.iamlet.credentials;

import java.time.Duration;

/** STS's bounds on DurationSeconds. */
final class SessionDurations {

    static final Duration MIN = Duration.ofMinutes(15);
    static final Duration MAX = Duration.ofHours(12);

    private SessionDurations() {
    }

    static int seconds(Duration d) {
        if (d == null || d.compareTo(MIN) < 0 || d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("--session-duration must be between 15m and 12h, was " + d);
        }
        return Math.toIntExact(d.toSeconds());
    }
}
