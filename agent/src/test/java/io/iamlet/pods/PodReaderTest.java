package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.testing.TestPods;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class PodReaderTest {

    /** fd00::7 as the index keys it ({@link PodIndex#normalise}). */
    private static final String V6 = PodIndex.normalise("fd00::7");

    private final PodReader reader = new PodReader(TestPods.NODE);

    private Optional<PodInfo> read(Pod pod) {
        return reader.read(PodViews.of(pod));
    }

    @Test
    void readsEverythingTheIndexServes() {
        Pod pod = TestPods.pod("team-a", "web").uid("u-1").serviceAccount("web-sa")
                .ips("10.0.0.7", "fd00:0:0:0::7").annotation("iam.amazonaws.com/role", "arn:aws:iam::1:role/r")
                .created(Instant.parse("2026-03-04T05:06:07Z")).build();

        assertThat(read(pod)).contains(new PodInfo("team-a", "web", "u-1", "web-sa",
                List.of("10.0.0.7", V6), Map.of("iam.amazonaws.com/role", "arn:aws:iam::1:role/r"),
                Instant.parse("2026-03-04T05:06:07Z"), false));
    }

    @Test
    void mergesPodIpWithPodIpsWithoutDuplicates() {
        Pod pod = TestPods.pod("web").ips("fd00::7", "10.0.0.7").build();
        pod.getStatus().setPodIP("FD00:0::7");

        assertThat(read(pod)).get().extracting(PodInfo::ips)
                .isEqualTo(List.of(V6, "10.0.0.7"));
    }

    @Test
    void readsPodWithOnlyLegacyPodIp() {
        Pod pod = TestPods.pod("web").build();
        pod.getStatus().setPodIP("10.0.0.7");

        assertThat(read(pod)).get().extracting(PodInfo::ips).isEqualTo(List.of("10.0.0.7"));
    }

    @ParameterizedTest(name = "phase {0} is indexed")
    @ValueSource(strings = {"Pending", "Running", "Unknown"})
    void indexesPodsThatMayStillRun(String phase) {
        // Pending pods with an IP run init containers, which may need credentials.
        assertThat(read(TestPods.pod("web").ips("10.0.0.7").phase(phase).build())).isPresent();
    }

    @ParameterizedTest(name = "phase {0} is never matched")
    @ValueSource(strings = {"Succeeded", "Failed"})
    void neverMatchesFinishedPods(String phase) {
        assertThat(read(TestPods.pod("job").ips("10.0.0.7").phase(phase).build())).isEmpty();
    }

    @Test
    void neverMatchesHostNetworkPods() {
        assertThat(read(TestPods.pod("ds").ips("192.168.1.10").hostNetwork().build())).isEmpty();
    }

    @Test
    void ignoresPodsOfOtherNodesAndUnscheduledPods() {
        assertThat(read(TestPods.pod("web").node("node-b").ips("10.0.0.7").build())).isEmpty();
        assertThat(read(TestPods.pod("web").node(null).ips("10.0.0.7").build())).isEmpty();
    }

    @Test
    void ignoresPodsWithoutIpAndUnparseableIps() {
        assertThat(read(TestPods.pod("web").build())).isEmpty();
        assertThat(read(TestPods.pod("web").ips("not-an-ip").build())).isEmpty();
        assertThat(read(TestPods.pod("web").ips("not-an-ip", "10.0.0.7").build()))
                .get().extracting(PodInfo::ips).isEqualTo(List.of("10.0.0.7"));
    }

    @Test
    void marksPodsBeingDeleted() {
        Pod pod = TestPods.pod("web").ips("10.0.0.7").terminating(Instant.parse("2026-01-01T00:01:00Z")).build();

        assertThat(read(pod)).get().extracting(PodInfo::terminating).isEqualTo(true);
    }

    @Test
    void defaultsServiceAccountAndMissingCreationTime() {
        Pod pod = TestPods.pod("web").ips("10.0.0.7").serviceAccount(null).created(null).build();

        assertThat(read(pod)).get().satisfies(info -> {
            assertThat(info.serviceAccount()).isEqualTo("default");
            assertThat(info.created()).isEqualTo(Instant.EPOCH);
        });
    }
}
