package io.iamlet.credentials.sts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RenewingKeysTest {

    private Instant now = Instant.parse("2026-11-30T07:00:00Z");
    private final List<CompletableFuture<AwsKeys>> fetches = new ArrayList<>();
    private final RenewingKeys keys = new RenewingKeys("test", () -> {
        var f = new CompletableFuture<AwsKeys>();
        fetches.add(f);
        return f;
    }, new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    private AwsKeys expiringIn(Duration d, String id) {
        return new AwsKeys(id, "s", "t", now.plus(d));
    }

    @Test
    void fetchesOnceWhenFirstNeededThenServesTheKeptKeys() {
        var first = keys.keys();
        var second = keys.keys();
        assertThat(fetches).hasSize(1);
        fetches.getFirst().complete(expiringIn(Duration.ofHours(1), "A"));

        assertThat(first.join().accessKeyId()).isEqualTo("A");
        assertThat(second.join().accessKeyId()).isEqualTo("A");
        assertThat(keys.keys().join().accessKeyId()).isEqualTo("A");
        assertThat(fetches).hasSize(1);
    }

    @Test
    void renewsInTheBackgroundWithinFiveMinutesOfExpiryAndWaitsWithinOne() {
        keys.keys();
        fetches.getFirst().complete(expiringIn(Duration.ofHours(1), "A"));

        now = now.plus(Duration.ofMinutes(56));
        assertThat(keys.keys().join().accessKeyId()).as("still served while renewing").isEqualTo("A");
        assertThat(fetches).hasSize(2);

        now = now.plus(Duration.ofMinutes(3).plusSeconds(30));
        var waiting = keys.keys();
        assertThat(waiting).as("too close to expiry: waits for the renewal").isNotDone();
        assertThat(fetches).as("the same renewal, not another").hasSize(2);
        fetches.get(1).complete(expiringIn(Duration.ofHours(1), "B"));
        assertThat(waiting.join().accessKeyId()).isEqualTo("B");
    }

    @Test
    void aFailedFetchIsRetriedAtTheNextNeed() {
        var failed = keys.keys();
        fetches.getFirst().completeExceptionally(new StsTransportException("down"));
        assertThat(failed).isCompletedExceptionally();

        keys.keys();
        assertThat(fetches).hasSize(2);
    }
}
