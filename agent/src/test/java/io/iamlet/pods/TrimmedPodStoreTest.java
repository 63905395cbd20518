package io.iamlet.pods;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.iamlet.testing.TestPods;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

class TrimmedPodStoreTest {

    private final PodReader reader = new PodReader(TestPods.NODE);

    /** Full pods as the API server sends them: containers, volumes, labels, conditions, managed fields. */
    static Stream<Pod> pods() {
        return Stream.of(
                TestPods.pod("team-a", "web").serviceAccount("web-sa").ips("10.0.0.7", "fd00::7")
                        .annotation("iam.amazonaws.com/role", "web").created(Instant.parse("2026-03-04T05:06:07Z"))
                        .build(),
                TestPods.pod("team-a", "legacy").ips("10.0.0.8").build(),
                TestPods.pod("team-a", "no-ip-yet").build(),
                TestPods.pod("team-a", "done").ips("10.0.0.9").phase("Succeeded").build(),
                TestPods.pod("team-a", "host").ips("192.0.2.1").hostNetwork().build(),
                TestPods.pod("team-a", "elsewhere").node("node-b").ips("10.0.1.1").build(),
                TestPods.pod("team-a", "unscheduled").node(null).build(),
                TestPods.pod("team-a", "going").ips("10.0.0.10").terminating(Instant.parse("2026-03-04T06:00:00Z"))
                        .build(),
                TestPods.pod("team-a", "no-time").ips("10.0.0.11").created(null).build())
                .map(pod -> new PodBuilder(pod).editMetadata().withResourceVersion("42")
                        .addToLabels("app", "web").addToManagedFields(new ManagedFieldsEntryBuilder()
                                .withManager("kubelet").withOperation("Update").build())
                        .endMetadata().editSpec().addNewVolume().withName("data").endVolume().endSpec()
                        .editStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                        .endStatus().build());
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theIndexReadsATrimmedPodAsTheFullOne(Pod pod) {
        PodView view = PodViews.of(pod);
        assertThat(reader.read(TrimmedPodStore.trimmed(view))).isEqualTo(reader.read(view));
    }

    @Test
    void keepsNoContainersLabelsOrManagedFields() {
        // volumes and conditions are not even read into a PodView
        PodView full = PodViews.of(pods().findFirst().orElseThrow());
        assertThat(full.getSpec().containers()).isNotEmpty();
        var store = new TrimmedPodStore();

        store.put(store.getKey(full), full);

        PodView kept = store.get("team-a/web");
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("42");
        assertThat(kept.getMetadata().getUid()).isEqualTo(full.getMetadata().getUid());
        assertThat(kept.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(kept.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(kept.getSpec().containers()).isNullOrEmpty();
        assertThat(kept.getSpec().initContainers()).isNullOrEmpty();
        assertThat(store.values()).containsExactly(kept);
        assertThat(store.remove("team-a/web")).isSameAs(kept);
        assertThat(store.size()).isZero();
    }
}
