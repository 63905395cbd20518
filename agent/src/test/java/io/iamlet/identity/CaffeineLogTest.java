package io.iamlet.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The capture the "nothing on stderr" tests rely on does see what Caffeine logs. */
class CaffeineLogTest {

    @Test
    void seesTheWarningCaffeineLogsForAFailedLoad() {
        try (var log = new CaffeineLog()) {
            Caffeine.newBuilder().executor(Runnable::run).<String, String>buildAsync()
                    .get("key", (k, e) -> CompletableFuture.failedFuture(new IllegalStateException("boom")));

            assertThat(log.messages()).anyMatch(m -> m.startsWith("WARNING"));
        }
    }
}
