package io.iamlet.pods;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.iamlet.failure.Failure;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The index with a real fabric8 informer watching the CRUD mock API server on loopback. The mock ignores the
 * {@code spec.nodeName} field selector, so these tests filter on the client side only (as {@code iamlet demo}
 * does); {@link #sendsNodeFieldSelectorInProduction} checks the production selector reaches the server.
 */
class InformerPodIndexIT {

    private static final Duration EVENTUALLY = Duration.ofSeconds(10);

    private final KubernetesMockServer server = TestPods.startCrudServer();
    // with the agent's own serialization (the kinds it reads, no class-path search), as `iamlet serve` builds it
    private final KubernetesClient client = server.createClient(builder -> builder.withKubernetesSerialization(
            KubernetesClients.agentSerialization()));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private InformerPodIndex index;

    private void start() throws Exception {
        start(PodSelector.clientSideOnly(TestPods.NODE), Duration.ofSeconds(10));
    }

    private void start(PodSelector selector, Duration wait) throws Exception {
        index = new InformerPodIndex(client, selector, wait, Scheduler.systemScheduler(), registry);
        index.addListener(new PodIndex.PodListener() {
            @Override
            public void added(PodInfo pod) {
                heard.add("added " + pod.name());
            }

            @Override
            public void removed(PodInfo pod) {
                heard.add("removed " + pod.name());
            }
        });
        index.start().get(10, TimeUnit.SECONDS);
        // The mock API server does not replay events from the list's resourceVersion as a real one does: a change
        // made before the watch is open would never reach the informer.
        await().atMost(EVENTUALLY).until(index::connected);
    }

    @AfterEach
    void close() {
        if (index != null) {
            index.stop();
        }
        client.close();
        server.destroy();
    }

    private String nameAt(String ip) {
        return index.at(ip).map(PodInfo::name).orElse(null);
    }

    @Test
    void startCompletesOncePodsAlreadyRunningAreIndexed() throws Exception {
        TestPods.create(client, TestPods.pod("team-a", "web").ips("10.0.0.7").build());

        start();

        assertThat(index.synced()).isTrue();
        assertThat(nameAt("10.0.0.7")).isEqualTo("web");
        await().atMost(EVENTUALLY).until(index::connected);
        assertThat(registry.get("iamlet.informer.synced").gauge().value()).isOne();
        assertThat(registry.get("iamlet.informer.connected").gauge().value()).isOne();
    }

    @Test
    void indexesPodByEachOfItsIpsOnceKubeletReportsThem() throws Exception {
        Pod pod = TestPods.create(client, TestPods.pod("team-a", "web").serviceAccount("web-sa").build());
        start();
        assertThat(index.pods()).isEmpty();

        TestPods.setIps(client, pod, "10.0.0.7", "fd00::7");

        await().atMost(EVENTUALLY).until(() -> nameAt("fd00::7") != null);
        PodInfo info = index.at("10.0.0.7").orElseThrow();
        assertThat(info.ref()).isEqualTo("team-a/web");
        assertThat(info.serviceAccount()).isEqualTo("web-sa");
        assertThat(info.uid()).isEqualTo(pod.getMetadata().getUid());
        assertThat(index.at("fd00:0:0::7")).contains(info);
    }

    @Test
    void keepsOnlyWhatTheIndexReadsAndStillFollowsTheWatch() throws Exception {
        Pod pod = TestPods.create(client, TestPods.pod("team-a", "web").serviceAccount("web-sa").build());
        start();
        assertThat(index.stored()).singleElement().satisfies(kept -> {
            assertThat(kept.getMetadata().getUid()).isEqualTo(pod.getMetadata().getUid());
            assertThat(kept.getSpec().serviceAccountName()).isEqualTo("web-sa");
            assertThat(kept.getSpec().containers()).as("containers are not kept").isNullOrEmpty();
        });

        TestPods.setIps(client, pod, "10.0.0.7");
        await().atMost(EVENTUALLY).until(() -> nameAt("10.0.0.7") != null);
        TestPods.setIps(client, pod, "10.0.0.8");
        await().atMost(EVENTUALLY).until(() -> nameAt("10.0.0.8") != null);

        assertThat(nameAt("10.0.0.7")).isNull();
        assertThat(index.stored()).singleElement().satisfies(kept -> {
            assertThat(kept.getStatus().podIP()).isEqualTo("10.0.0.8");
            assertThat(kept.getSpec().containers()).isNullOrEmpty();
        });
    }

    @Test
    void ignoresPodsOfOtherNodes() throws Exception {
        start();
        TestPods.create(client, TestPods.pod("elsewhere").node("node-b").ips("10.0.0.9").build());
        TestPods.create(client, TestPods.pod("here").ips("10.0.0.7").build());

        // Watch events arrive in order: once "here" is indexed, "elsewhere" has been seen and dropped.
        await().atMost(EVENTUALLY).until(() -> nameAt("10.0.0.7") != null);
        assertThat(index.at("10.0.0.9")).isEmpty();
        assertThat(index.pods()).extracting(PodInfo::name).containsExactly("here");
    }

    @Test
    void neverMatchesHostNetworkPods() throws Exception {
        start();
        TestPods.create(client, TestPods.pod("kube-proxy").hostNetwork().ips("192.168.1.10").build());
        TestPods.create(client, TestPods.pod("here").ips("10.0.0.7").build());

        await().atMost(EVENTUALLY).until(() -> nameAt("10.0.0.7") != null);
        assertThat(index.at("192.168.1.10")).isEmpty();
        assertThat(heard).containsExactly("added here");
    }

    @ParameterizedTest(name = "a pod that has {0} is never matched")
    @ValueSource(strings = {"Succeeded", "Failed"})
    void finishedPodIsNeverMatched(String phase) throws Exception {
        Pod job = TestPods.create(client, TestPods.pod("job").ips("10.0.0.7").build());
        start();
        assertThat(nameAt("10.0.0.7")).isEqualTo("job");

        TestPods.setPhase(client, job, phase);

        await().atMost(EVENTUALLY).until(() -> index.at("10.0.0.7").isEmpty());
        assertThat(heard).containsExactly("added job", "removed job");
    }

    @Test
    void newPodWinsIpStillHeldByTerminatingPodAndKeepsItWhenOldPodGoes() throws Exception {
        Pod old = TestPods.create(client, TestPods.pod("old").ips("10.0.0.7").build());
        start();
        TestPods.terminate(client, old);
        await().atMost(EVENTUALLY).until(() -> index.at("10.0.0.7").map(PodInfo::terminating).orElse(false));
        assertThat(nameAt("10.0.0.7")).isEqualTo("old"); // still served while it shuts down

        TestPods.create(client, TestPods.pod("new").ips("10.0.0.7").build());
        await().atMost(EVENTUALLY).until(() -> "new".equals(nameAt("10.0.0.7")));

        TestPods.delete(client, old);
        await().atMost(EVENTUALLY).until(() -> heard.contains("removed old"));
        assertThat(nameAt("10.0.0.7")).isEqualTo("new");
        assertThat(index.pods()).extracting(PodInfo::name).containsExactly("new");
    }

    @Test
    void deletedPodIsNeverReturned() throws Exception {
        Pod web = TestPods.create(client, TestPods.pod("web").ips("10.0.0.7", "fd00::7").build());
        start();

        TestPods.delete(client, web);

        await().atMost(EVENTUALLY).until(() -> heard.contains("removed web"));
        assertThat(index.at("10.0.0.7")).isEmpty();
        assertThat(index.at("fd00::7")).isEmpty();
        assertThat(index.pods()).isEmpty();
        assertThat(registry.get("iamlet.pods.indexed").gauge().value()).isZero();
    }

    @Test
    void lookupOfUnknownIpCompletesWhenPodAppearsWithinWait() throws Exception {
        start();
        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");
        assertThat(lookup).isNotDone();

        Pod pod = TestPods.create(client, TestPods.pod("late").build());
        TestPods.setIps(client, pod, "10.0.0.7");

        assertThat(lookup.get(10, TimeUnit.SECONDS).name()).isEqualTo("late");
        assertThat(index.waiting()).isZero();
        assertThat(registry.get("iamlet.pod.lookups").tag("outcome", "waited").counter().count()).isOne();
    }

    @Test
    void lookupOfIpThatNeverAppearsFailsNotYetKnownAfterWait() throws Exception {
        start(PodSelector.clientSideOnly(TestPods.NODE), Duration.ofMillis(200));

        CompletableFuture<PodInfo> lookup = index.await("10.0.0.7");

        assertThatThrownBy(() -> lookup.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(Failure.NotYetKnown.class,
                        f -> assertThat(f.status()).isEqualTo(503));
        assertThat(index.waiting()).isZero();
        assertThat(registry.get("iamlet.pod.lookups").tag("outcome", "unknown").counter().count()).isOne();
    }

    @Test
    void listenersHearPodsComeAndGo() throws Exception {
        start();
        Pod a = TestPods.create(client, TestPods.pod("a").ips("10.0.0.7").build());
        TestPods.setIps(client, a, "10.0.0.8"); // an IP change is not a new pod
        TestPods.create(client, TestPods.pod("b").ips("10.0.0.9").build());
        TestPods.delete(client, a);

        await().atMost(EVENTUALLY).until(() -> heard.size() >= 3);
        assertThat(heard).containsExactly("added a", "added b", "removed a");
    }

    @Test
    void sendsNodeFieldSelectorInProduction() throws Exception {
        start(PodSelector.node(TestPods.NODE), Duration.ofSeconds(1));

        // The list precedes the first sync, so it is among the requests recorded by now.
        List<String> paths = new ArrayList<>();
        for (int i = server.getRequestCount(); i > 0; i--) {
            paths.add(server.takeRequest().getPath());
        }
        assertThat(paths).filteredOn(p -> p.startsWith("/api/v1/pods?")).isNotEmpty()
                .allMatch(p -> p.contains("fieldSelector=spec.nodeName%3D" + TestPods.NODE));
    }

    @Test
    void startFailsWhenApiServerRefusesToListPods() {
        // An expectations-mode mock with no expectation answers 404 to everything, like a missing RBAC grant would
        // answer 403: the informer gives up and so does start().
        KubernetesMockServer refusing = new KubernetesMockServer(false);
        refusing.init(InetAddress.getLoopbackAddress(), 0);
        try (KubernetesClient refused = refusing.createClient()) {
            InformerPodIndex failing = new InformerPodIndex(refused, PodSelector.node(TestPods.NODE),
                    Duration.ofSeconds(1), Scheduler.systemScheduler(), new SimpleMeterRegistry());

            assertThatThrownBy(() -> failing.start().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            assertThat(failing.synced()).isFalse();
            failing.stop();
        } finally {
            refusing.destroy();
        }
    }
}
