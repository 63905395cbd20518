package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex.PodAt;
import io.iamlet.testing.ManualTime;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Lookups and meters, with events fed to the handler and time moved by hand; the informer is never started. */
class InformerPodIndexTest {

    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    // Never contacted: the informer is not started in these tests.
    private static KubernetesClient client;
    private final ManualTime scheduler = new ManualTime();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InformerPodIndex index =
            new InformerPodIndex(client, PodSelector.node(TestPods.NODE), WAIT, scheduler, scheduler, registry);

    @BeforeAll
    static void client() {
        client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:1/").build()).build();
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    @AfterEach
    void stop() {
        index.stop();
    }

    /** The index's handler, fed fabric8 pods as the tests build them. */
    private ResourceEventHandler<Pod> handler() {
        return PodViews.of(index.handler());
    }

    private void add(Pod pod) {
        handler().onAdd(pod);
    }

    private double lookups(String outcome) {
        return registry.get("iamlet.pod.lookups").tag("outcome", outcome).counter().count();
    }

    @Test
    void knownIpAnswersAtOnceInAnyTextForm() {
        add(TestPods.pod("web").ips("10.0.0.7", "fd00::7").build());

        assertThat(index.await("10.0.0.7")).isCompletedWithValueMatching(p -> p.name().equals("web"));
        assertThat(index.await("fd00:0000::0007")).isCompletedWithValueMatching(p -> p.name().equals("web"));
        assertThat(index.at("::ffff:10.0.0.7")).isPresent(); // IPv4-mapped, as a dual-stack socket reports it
        assertThat(lookups("hit")).isEqualTo(2);
    }

    @Test
    void unknownIpWaitsForPodToBeIndexed() {
        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");
        scheduler.advance(WAIT.minusMillis(1));
        assertThat(lookup).isNotDone();

        add(TestPods.pod("web").ips("10.0.0.7").build());

        assertThat(lookup).isCompletedWithValueMatching(p -> p.name().equals("web"));
        assertThat(lookups("waited")).isOne();
        assertThat(index.waiting()).isZero();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void unknownIpFailsWithNotYetKnownAfterWaitAndLeavesNoWaiter() {
        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");
        assertThat(registry.get("iamlet.pod.lookup.waiting").gauge().value()).isOne();

        scheduler.advance(WAIT);

        assertThat(lookup.exceptionNow()).isInstanceOfSatisfying(Failure.NotYetKnown.class,
                f -> assertThat(f.status()).isEqualTo(503));
        assertThat(lookups("unknown")).isOne();
        assertThat(index.waiting()).isZero();
        assertThat(registry.get("iamlet.pod.lookup.waiting").gauge().value()).isZero();
    }

    @Test
    void waitsEvenBeforeFirstSync() {
        assertThat(index.synced()).isFalse();

        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");

        assertThat(lookup).isNotDone();
    }

    @Test
    void zeroWaitFailsAtOnce() {
        InformerPodIndex impatient =
                new InformerPodIndex(client, PodSelector.node(TestPods.NODE), Duration.ZERO, scheduler,
                        new SimpleMeterRegistry());

        assertThat(impatient.await("10.0.0.7").exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(impatient.waiting()).isZero();
    }

    @Test
    void malformedIpIsNeverFound() {
        assertThat(index.at("not-an-ip")).isEmpty();
        assertThat(index.await("not-an-ip").exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(index.waiting()).isZero();
    }

    @Test
    void stopFailsWaitingLookups() {
        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");

        index.stop();

        assertThat(lookup.exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(index.await("10.0.0.8")).isCompletedExceptionally();
        assertThatThrownBy(index::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void gaugesReportIndexedPodsAndSyncState() {
        add(TestPods.pod("a").ips("10.0.0.7").build());
        add(TestPods.pod("b").ips("10.0.0.8").build());
        add(TestPods.pod("host").ips("192.168.1.10").hostNetwork().build());
        assertThat(registry.get("iamlet.pods.indexed").gauge().value()).isEqualTo(2);
        assertThat(registry.get("iamlet.informer.synced").gauge().value()).isZero();

        handler().onList("7", false);

        assertThat(registry.get("iamlet.informer.synced").gauge().value()).isOne();
        assertThat(registry.get("iamlet.informer.connected").gauge().value()).isZero();
        assertThat(index.pods()).extracting(PodInfo::name).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void rejectsNegativeWait() {
        assertThatThrownBy(() -> new InformerPodIndex(client, PodSelector.node("n"), Duration.ofSeconds(-1),
                scheduler, registry)).hasMessageContaining("--unknown-ip-wait");
    }

    private static Pod pod(String name, String uid, String ip) {
        return TestPods.pod(name).uid(uid).ips(ip).build();
    }

    @Test
    void tokenOfAPodNotSeenYetWaitsTheBoundThenIsNotYetKnown() {
        add(pod("old", "u-old", "10.0.0.7")); // the address is taken, by another pod

        CompletableFuture<PodAt> lookup = index.awaitPod("10.0.0.7", "u-new");
        scheduler.advance(WAIT.minusMillis(1));
        assertThat(lookup).isNotDone();
        scheduler.advance(Duration.ofMillis(1));

        assertThat(lookup.exceptionNow()).isInstanceOfSatisfying(Failure.NotYetKnown.class, f -> {
            assertThat(f.status()).isEqualTo(503);
            assertThat(f.reason()).isEqualTo("pod_unknown");
        });
        assertThat(lookups("unknown")).isOne();
        assertThat(index.waiting()).isZero();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void tokenOfAPodThatAppearsAtTheAddressWithinTheWaitIsHere() {
        add(pod("old", "u-old", "10.0.0.7"));
        CompletableFuture<PodAt> lookup = index.awaitPod("10.0.0.7", "u-new");

        handler().onDelete(pod("old", "u-old", "10.0.0.7"), false);
        add(pod("new", "u-new", "10.0.0.7"));

        assertThat(lookup).isCompletedWithValueMatching(
                at -> at instanceof PodAt.Here(var p) && p.uid().equals("u-new"));
        assertThat(lookups("waited")).isOne();
        assertThat(index.waiting()).isZero();
        assertThat(scheduler.pending()).as("the deadline is cancelled").isZero();
    }

    @Test
    void tokenOfAPodThatAppearsAtAnotherAddressWithinTheWaitIsElsewhere() {
        CompletableFuture<PodAt> lookup = index.awaitPod("10.0.0.7", "u-new");

        add(pod("new", "u-new", "10.0.0.9"));

        assertThat(lookup).isCompletedWithValueMatching(at -> at instanceof PodAt.Elsewhere);
    }

    @Test
    void tokenOfAPodKnownElsewhereOrDeletedIsAnsweredAtOnce() {
        add(pod("web", "u-web", "10.0.0.8"));
        add(pod("gone", "u-gone", "10.0.0.9"));
        handler().onDelete(pod("gone", "u-gone", "10.0.0.9"), false);

        assertThat(index.awaitPod("10.0.0.7", "u-web"))
                .isCompletedWithValueMatching(at -> at instanceof PodAt.Elsewhere);
        assertThat(index.awaitPod("10.0.0.9", "u-gone")).isCompletedWithValue(new PodAt.Gone("u-gone"));
        assertThat(index.awaitPod("::ffff:10.0.0.8", "u-web"))
                .isCompletedWithValueMatching(at -> at instanceof PodAt.Here);
        assertThat(index.waiting()).isZero();
        assertThat(lookups("hit")).isEqualTo(3);
    }

    @Test
    void deletedPodIsForgottenAfterTheMemoryAndThenWaitedFor() {
        add(pod("gone", "u-gone", "10.0.0.9"));
        handler().onDelete(pod("gone", "u-gone", "10.0.0.9"), false);

        scheduler.advance(InformerPodIndex.GONE_MEMORY);

        assertThat(index.awaitPod("10.0.0.9", "u-gone")).isNotDone();
    }

    @Test
    void stopFailsLookupsWaitingForAPod() {
        CompletableFuture<PodAt> lookup = index.awaitPod("10.0.0.7", "u-new");

        index.stop();

        assertThat(lookup.exceptionNow()).isInstanceOf(Failure.NotYetKnown.class);
        assertThat(index.waiting()).isZero();
    }

    @Test
    void ipClaimedByTwoLivePodsWaitsUntilOneClaimRemains() {
        add(TestPods.pod("old").uid("u-old").ips("10.0.0.7").created(T0).build());
        add(TestPods.pod("new").uid("u-new").ips("10.0.0.7").created(T0.plusSeconds(60)).build());

        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");
        assertThat(lookup).isNotDone();

        handler().onDelete(TestPods.pod("new").uid("u-new").ips("10.0.0.7").build(), false);

        assertThat(lookup).isCompletedWithValueMatching(p -> p.uid().equals("u-old"));
        assertThat(lookups("waited")).isOne();
        assertThat(index.waiting()).isZero();
    }

    @Test
    void ipStillClaimedByTwoLivePodsAfterTheWaitIsAmbiguous() {
        add(TestPods.pod("old").uid("u-old").ips("10.0.0.7").created(T0).build());
        add(TestPods.pod("new").uid("u-new").ips("10.0.0.7").created(T0.plusSeconds(60)).build());

        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");
        scheduler.advance(WAIT);

        assertThat(lookup.exceptionNow()).isInstanceOfSatisfying(Failure.NotYetKnown.class, f -> {
            assertThat(f.status()).isEqualTo(503);
            assertThat(f.reason()).isEqualTo("ip_ambiguous");
        });
        assertThat(lookups("ambiguous")).isOne();
        assertThat(lookups("unknown")).isZero();
        assertThat(index.waiting()).isZero();
    }

    @Test
    void ipOfATerminatingAndALivePodIsTheLiveOnesAtOnce() {
        add(TestPods.pod("old").uid("u-old").ips("10.0.0.7").created(T0).terminating(T0).build());
        add(TestPods.pod("new").uid("u-new").ips("10.0.0.7").created(T0.plusSeconds(60)).build());

        assertThat(index.await("10.0.0.7")).isCompletedWithValueMatching(p -> p.uid().equals("u-new"));
    }
}
