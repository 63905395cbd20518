package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.iamlet.failure.Failure;
import io.iamlet.testing.ManualTime;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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

    // Never contacted: the informer is not started in these tests.
    private static KubernetesClient client;
    private final ManualTime scheduler = new ManualTime();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InformerPodIndex index =
            new InformerPodIndex(client, PodSelector.node(TestPods.NODE), WAIT, scheduler, registry);

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

    private void add(Pod pod) {
        index.handler().onAdd(pod);
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

        index.handler().onList("7", false);

        assertThat(registry.get("iamlet.informer.synced").gauge().value()).isOne();
        assertThat(registry.get("iamlet.informer.connected").gauge().value()).isZero();
        assertThat(index.pods()).extracting(PodInfo::name).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void rejectsNegativeWait() {
        assertThatThrownBy(() -> new InformerPodIndex(client, PodSelector.node("n"), Duration.ofSeconds(-1),
                scheduler, registry)).hasMessageContaining("--unknown-ip-wait");
    }
}
