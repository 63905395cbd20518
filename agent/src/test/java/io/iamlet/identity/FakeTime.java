package io.iamlet.identity;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** One fake time source for both the wall clock and Caffeine's ticker, advanced by tests. */
final class FakeTime extends Clock implements Ticker {

    private final Instant origin;
    private final AtomicLong elapsedNanos = new AtomicLong();

    FakeTime(Instant origin) {
        this.origin = origin;
    }

    void advance(Duration d) {
        elapsedNanos.addAndGet(d.toNanos());
    }

    @Override
    public long read() {
        return elapsedNanos.get();
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(elapsedNanos.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
