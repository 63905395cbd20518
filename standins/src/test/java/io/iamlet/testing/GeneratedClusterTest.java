package io.iamlet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.iamlet.testing.GeneratedCluster.Kind;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GeneratedClusterTest {

    private final GeneratedCluster cluster = new GeneratedCluster(new ClusterScale(50_000, 2_000, 5_000), "node-a");

    @Test
    void podJsonIsWhatJacksonWritesForThePod() {
        var serialization = new KubernetesSerialization();
        for (int i : new int[] {0, 1, 109, 110, 1_999, 2_000, 4_999, 5_000, 49_999}) {
            assertThat(cluster.json(Kind.PODS, i)).as("pod %d", i).isEqualTo(serialization.asJson(cluster.pod(i)));
        }
    }

    @Test
    void noPodIsOnTheStandInsNode() {
        var onScaleNode = new GeneratedCluster(new ClusterScale(1_000, 0, 0), "scale-node-3");

        assertThat(onScaleNode.podNode(3 * GeneratedCluster.PODS_PER_NODE)).isNotEqualTo("scale-node-3");
        assertThat(onScaleNode.pod(3 * GeneratedCluster.PODS_PER_NODE).getSpec().getNodeName())
                .isNotEqualTo("scale-node-3");
    }

    @Test
    void indexKnowsOnlyCanonicalNamesInRange() {
        assertThat(cluster.index(Kind.SERVICE_ACCOUNTS, "scale-sa-4999")).isEqualTo(OptionalInt.of(4_999));
        assertThat(cluster.index(Kind.SERVICE_ACCOUNTS, "scale-sa-5000")).isEmpty();
        assertThat(cluster.index(Kind.SERVICE_ACCOUNTS, "scale-sa-07")).isEmpty();
        assertThat(cluster.index(Kind.SERVICE_ACCOUNTS, "scale-sa-")).isEmpty();
        assertThat(cluster.index(Kind.NAMESPACES, "scale-sa-1")).isEmpty();
        assertThat(cluster.index(Kind.PODS, "scale-pod-99999999999")).isEmpty();
    }
}
