package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.iamlet.testing.MetadataStandIn;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Discovery of the base role ARN against the upstream stand-in on loopback, with retries on a scheduler the test
 * drives by hand (each scheduled retry is recorded with its delay and run when the test says so).
 */
class BaseArnDiscoveryIT {

    private static final String DISCOVERED = "arn:aws:iam::" + MetadataStandIn.ACCOUNT + ":role/";

    /** A scheduled retry: its delay, and the work to run. */
    private record Scheduled(Duration delay, Runnable work) {
    }

    private final MetadataStandIn standIn = MetadataStandIn.onLoopback();
    private final UpstreamMetadata upstream = new UpstreamMetadata(standIn.endpoint(), Duration.ofSeconds(2),
            Clock.systemUTC(), new SimpleMeterRegistry());
    private final List<Scheduled> scheduled = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler = (executor, work, delay, unit) -> {
        scheduled.add(new Scheduled(Duration.ofNanos(unit.toNanos(delay)), work));
        return CompletableFuture.completedFuture(null);
    };

    @AfterEach
    void stop() {
        upstream.close();
        standIn.close();
    }

    private Supplier<String> discover(MetadataSettings.Builder settings) {
        return BaseArnDiscovery.baseRoleArn(settings.upstream(standIn.endpoint()).build(), upstream, scheduler);
    }

    private long infoRequests() {
        return standIn.gets().stream().filter(r -> BaseArnDiscovery.PATH.equals(r.path())).count();
    }

    @Test
    void derivesTheBaseFromTheNodesInstanceProfile() {
        Supplier<String> base = discover(MetadataSettings.builder().autoDiscoverBaseArn(true));

        await().atMost(Duration.ofSeconds(10)).until(() -> base.get() != null);
        assertThat(base.get()).isEqualTo(DISCOVERED);
        assertThat(infoRequests()).isEqualTo(1);
        assertThat(scheduled).isEmpty();
    }

    @Test
    void anExplicitBaseRoleArnWinsAndTheUpstreamIsNotAsked() {
        Supplier<String> base = discover(MetadataSettings.builder().autoDiscoverBaseArn(true)
                .baseRoleArn("arn:aws:iam::444455556666:role/pods/"));

        assertThat(base.get()).isEqualTo("arn:aws:iam::444455556666:role/pods/");
        assertThat(standIn.requests()).isEmpty();
    }

    @Test
    void withDiscoveryOffThereIsNoBaseAndTheUpstreamIsNotAsked() {
        Supplier<String> base = discover(MetadataSettings.builder().autoDiscoverBaseArn(false));

        assertThat(base.get()).isNull();
        assertThat(standIn.requests()).isEmpty();
    }

    @Test
    void retriesWithADoublingBoundedDelayUntilTheUpstreamRecovers() {
        standIn.failGetsWith(503);
        Supplier<String> base = discover(MetadataSettings.builder().autoDiscoverBaseArn(true));

        for (int attempt = 1; attempt <= 12; attempt++) {
            int expected = attempt;
            await().atMost(Duration.ofSeconds(10)).until(() -> scheduled.size() == expected);
            assertThat(base.get()).isNull();
            scheduled.getLast().work().run();
        }
        assertThat(scheduled).extracting(Scheduled::delay).startsWith(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(8)).endsWith(BaseArnDiscovery.MAX_RETRY,
                BaseArnDiscovery.MAX_RETRY);
        assertThat(scheduled).extracting(Scheduled::delay).allMatch(d -> d.compareTo(BaseArnDiscovery.MAX_RETRY) <= 0);

        await().atMost(Duration.ofSeconds(10)).until(() -> scheduled.size() == 13);
        standIn.failGetsWith(null);
        scheduled.getLast().work().run();

        await().atMost(Duration.ofSeconds(10)).until(() -> base.get() != null);
        assertThat(base.get()).isEqualTo(DISCOVERED);
        assertThat(scheduled).hasSize(13);
    }

    @Test
    void aNodeWithoutAnInstanceProfileHasNoBase() {
        standIn.withdraw(BaseArnDiscovery.PATH);
        Supplier<String> base = discover(MetadataSettings.builder().autoDiscoverBaseArn(true));

        await().atMost(Duration.ofSeconds(10)).until(() -> scheduled.size() == 1);
        assertThat(base.get()).isNull();
    }

    @Test
    void aGarbageProfileArnIsNotTakenForABase() {
        standIn.answer(BaseArnDiscovery.PATH,
                "{\"Code\":\"Success\",\"InstanceProfileArn\":\"arn:aws:iam::111122223333:role/x/../admin\"}");
        Supplier<String> base = discover(MetadataSettings.builder().autoDiscoverBaseArn(true));

        await().atMost(Duration.ofSeconds(10)).until(() -> scheduled.size() == 1);
        assertThat(base.get()).isNull();
    }

    @Test
    void closingStopsTheRetries() {
        standIn.failGetsWith(503);
        Supplier<String> base = discover(MetadataSettings.builder().autoDiscoverBaseArn(true));
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduled.size() == 1);

        ((BaseArnDiscovery) base).close();
        long asked = infoRequests();
        scheduled.getFirst().work().run();

        assertThat(infoRequests()).isEqualTo(asked);
        assertThat(scheduled).hasSize(1);
    }
}
