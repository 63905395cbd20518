package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.iamlet.testing.TestPods;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The informer handler fed directly with the events an informer can deliver, in the orders it can deliver them. */
class PodEventsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final IpClaims claims = new IpClaims();
    private final Waiters waiters = new Waiters(new ManualTime());
    private final Waiters uidWaiters = new Waiters(new ManualTime());
    private final PodEvents events = new PodEvents(new PodReader(TestPods.NODE), claims, waiters, uidWaiters);
    /** Fed fabric8 pods, as the tests build them; hands the events their views. */
    private final ResourceEventHandler<Pod> handler = PodViews.of(events);
    private final List<String> heard = new ArrayList<>();

    PodEventsTest() {
        events.addListener(new PodIndex.PodListener() {
            @Override
            public void added(PodInfo pod) {
                heard.add("added " + pod.name());
            }

            @Override
            public void removed(PodInfo pod) {
                heard.add("removed " + pod.name());
            }
        });
    }

    private static Pod web(String... ips) {
        return TestPods.pod("web").uid("u-web").ips(ips).build();
    }

    @Test
    void podGettingItsIpLaterIsAddedThen() {
        handler.onAdd(web());
        assertThat(heard).isEmpty();

        handler.onUpdate(web(), web("10.0.0.7"));

        assertThat(heard).containsExactly("added web");
        assertThat(claims.at("10.0.0.7")).map(PodInfo::uid).contains("u-web");
    }

    @Test
    void resyncAndRelistOfUnchangedPodTellNobody() {
        Pod pod = web("10.0.0.7");
        handler.onAdd(pod);

        handler.onUpdate(pod, pod);
        handler.onAdd(pod);

        assertThat(heard).containsExactly("added web");
        assertThat(claims.at("10.0.0.7")).isPresent();
    }

    @Test
    void finishedPodIsRemovedOnceAndItsDeleteIsQuiet() {
        handler.onAdd(web("10.0.0.7"));
        Pod done = TestPods.pod("web").uid("u-web").ips("10.0.0.7").phase("Succeeded").build();

        handler.onUpdate(web("10.0.0.7"), done);
        handler.onDelete(done, false);

        assertThat(heard).containsExactly("added web", "removed web");
        assertThat(claims.at("10.0.0.7")).isEmpty();
    }

    @Test
    void podRecreatedUnderSameNameReplacesOldUid() {
        // A StatefulSet pod deleted and recreated while the watch was down: the relist sees one update.
        Pod before = TestPods.pod("db-0").uid("u-old").ips("10.0.0.7").build();
        Pod after = TestPods.pod("db-0").uid("u-new").ips("10.0.0.9").build();
        handler.onAdd(before);

        handler.onUpdate(before, after);

        assertThat(claims.at("10.0.0.7")).isEmpty();
        assertThat(claims.at("10.0.0.9")).map(PodInfo::uid).contains("u-new");
        assertThat(heard).containsExactly("added db-0", "removed db-0", "added db-0");
    }

    @Test
    void lateDeleteOfOldPodKeepsNewPodOnReusedIp() {
        Pod old = TestPods.pod("old").uid("u-old").ips("10.0.0.7").created(T0).build();
        Pod oldTerminating = TestPods.pod("old").uid("u-old").ips("10.0.0.7").created(T0).terminating(T0).build();
        Pod young = TestPods.pod("new").uid("u-new").ips("10.0.0.7").created(T0.plusSeconds(30)).build();
        handler.onAdd(old);
        handler.onUpdate(old, oldTerminating);
        handler.onAdd(young);

        handler.onDelete(oldTerminating, true); // relist: final state unknown

        assertThat(claims.at("10.0.0.7")).map(PodInfo::uid).contains("u-new");
    }

    @Test
    void waiterIsCompletedWhenIpGetsIndexed() {
        CompletableFuture<PodInfo> waiter = waiters.register(PodIndex.normalise("fd00::7"), Duration.ofSeconds(2),
                () -> new Failure.NotYetKnown("pod_unknown", "not yet"));

        handler.onAdd(web("10.0.0.7", "fd00:0::7"));

        assertThat(waiter).isCompleted();
        assertThat(waiter.join().uid()).isEqualTo("u-web");
        assertThat(waiters.pending()).isZero();
    }

    @Test
    void uidWaiterIsCompletedWhenThePodGetsIndexed() {
        CompletableFuture<PodInfo> waiter = uidWaiters.register("u-web", Duration.ofSeconds(2),
                () -> new Failure.NotYetKnown("pod_unknown", "not yet"));

        handler.onAdd(web());
        assertThat(waiter).as("a pod without an IP is not indexed").isNotDone();
        handler.onUpdate(web(), web("10.0.0.7"));

        assertThat(waiter.join().uid()).isEqualTo("u-web");
        assertThat(uidWaiters.pending()).isZero();
    }

    @Test
    void deletedFinishedAndReplacedPodsAreRememberedAsGone() {
        Pod deleted = TestPods.pod("a").uid("u-a").ips("10.0.0.1").build();
        Pod finished = TestPods.pod("b").uid("u-b").ips("10.0.0.2").build();
        Pod replaced = TestPods.pod("c").uid("u-c").ips("10.0.0.3").build();
        handler.onAdd(deleted);
        handler.onAdd(finished);
        handler.onAdd(replaced);

        handler.onDelete(deleted, false);
        handler.onUpdate(finished, TestPods.pod("b").uid("u-b").ips("10.0.0.2").phase("Failed").build());
        handler.onUpdate(replaced, TestPods.pod("c").uid("u-c2").ips("10.0.0.4").build());

        assertThat(claims.locate("10.0.0.1", "u-a")).isEqualTo(new PodIndex.PodAt.Gone("u-a"));
        assertThat(claims.locate("10.0.0.2", "u-b")).isEqualTo(new PodIndex.PodAt.Gone("u-b"));
        assertThat(claims.locate("10.0.0.3", "u-c")).isEqualTo(new PodIndex.PodAt.Gone("u-c"));
    }

    @Test
    void podThatOnlyLosesItsIpIsNotRememberedAsGone() {
        handler.onAdd(web("10.0.0.7"));

        handler.onUpdate(web("10.0.0.7"), web());

        assertThat(claims.locate("10.0.0.7", "u-web")).as("not known: a lookup waits for it").isNull();
    }

    @Test
    void failingListenerDoesNotStopOthersNorTheIndex() {
        List<String> second = new ArrayList<>();
        events.addListener(new PodIndex.PodListener() {
            @Override
            public void added(PodInfo pod) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void removed(PodInfo pod) {
            }
        });
        events.addListener(new PodIndex.PodListener() {
            @Override
            public void added(PodInfo pod) {
                second.add(pod.name());
            }

            @Override
            public void removed(PodInfo pod) {
            }
        });

        handler.onAdd(web("10.0.0.7"));

        assertThat(second).containsExactly("web");
        assertThat(claims.at("10.0.0.7")).isPresent();
    }

    @Test
    void syncedOnlyAfterFirstList() {
        assertThat(events.synced()).isFalse();
        handler.onAdd(web("10.0.0.7"));
        assertThat(events.synced()).isFalse();

        events.onList("42", false);

        assertThat(events.synced()).isTrue();
        assertThat(events.firstSync()).isCompleted();
    }

    @Test
    void heldListenersHearTheListedPodsInOrderOnceReleasedWhileLookupsFindThemAtOnce() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        events.holdListenersUntil(release);
        handler.onAdd(TestPods.pod("a").uid("u-a").ips("10.0.0.1").build());
        handler.onAdd(TestPods.pod("b").uid("u-b").ips("10.0.0.2").build());
        handler.onDelete(TestPods.pod("a").uid("u-a").ips("10.0.0.1").build(), false);
        events.onList("7", false);

        assertThat(heard).as("held").isEmpty();
        assertThat(events.synced()).isTrue();
        assertThat(claims.at("10.0.0.2")).map(PodInfo::name).contains("b");

        release.complete(null);
        handler.onAdd(TestPods.pod("c").uid("u-c").ips("10.0.0.3").build());

        assertThat(heard).containsExactly("added a", "added b", "removed a", "added c");
    }

    @Test
    void listenersAreReleasedAlsoWhenWhatTheyWaitForFailed() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        events.holdListenersUntil(release);
        handler.onAdd(web("10.0.0.7"));

        release.completeExceptionally(new IllegalStateException("namespaces could not be listed"));

        assertThat(heard).containsExactly("added web");
    }
}
