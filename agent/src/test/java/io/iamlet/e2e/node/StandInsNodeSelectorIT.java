package io.iamlet.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.iamlet.testing.ClusterSpec;
import io.iamlet.testing.StandIns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-in API server answers iamlet's production pod selector ({@code spec.nodeName=<node>}) with exactly that
 * node's pods, in lists and in watches; the plain fabric8 mock answers it with nothing. And a cluster spec seeds
 * what the node end-to-end test relies on.
 */
class StandInsNodeSelectorIT {

    @TempDir
    Path tmp;

    @Test
    void podListAndWatchWithTheNodeNameFieldSelectorSeeOnlyThatNodesPods() {
        try (StandIns standIns = StandIns.start()) {
            standIns.runningPod("shop", "here-1", "default", "node-a", "10.0.0.1");
            standIns.runningPod("shop", "there-1", "default", "node-b", "10.0.0.2");
            List<String> events = new CopyOnWriteArrayList<>();
            var pods = standIns.client().pods().inAnyNamespace().withField("spec.nodeName", "node-a");

            assertThat(pods.list().getItems()).extracting(p -> p.getMetadata().getName()).containsExactly("here-1");
            var watch = pods.watch(new Watcher<Pod>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    events.add(action + " " + pod.getMetadata().getName());
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
            try {
                standIns.runningPod("shop", "there-2", "default", "node-b", "10.0.0.3");
                standIns.runningPod("shop", "here-2", "default", "node-a", "10.0.0.4");
                await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("MODIFIED here-2"));
            } finally {
                watch.close();
            }
            assertThat(events).as("a watch sends only node-a's pods").allMatch(e -> e.contains(" here-"))
                    .contains("ADDED here-2");
        }
    }

    @Test
    void seedingASpecCreatesItsPodsWithTheirIpsAndAKubeconfigReachesTheServer() throws Exception {
        ClusterSpec spec = ClusterSpec.parse("""
                {"node": "node-a",
                 "namespaces": [{"name": "shop", "annotations": {"team": "web"}}],
                 "serviceAccounts": [{"namespace": "shop", "name": "web", "roleArn": "arn:aws:iam::111122223333:role/w"}],
                 "pods": [{"namespace": "shop", "name": "web-1", "serviceAccount": "web", "ip": "10.0.0.7",
                           "annotations": {"iam.amazonaws.com/role": "w"}},
                          {"namespace": "shop", "name": "far-1", "ip": "10.0.0.8", "node": "node-b"}]}
                """);
        try (StandIns standIns = StandIns.start()) {
            List<Pod> pods = standIns.seed(spec);
            Path kubeconfig = tmp.resolve("kubeconfig");
            standIns.writeKubeconfig(kubeconfig);
            Path token = tmp.resolve("token");
            standIns.writeToken(pods.getFirst(), token);

            assertThat(pods).extracting(p -> p.getSpec().getNodeName()).containsExactly("node-a", "node-b");
            assertThat(pods.getFirst().getStatus().getPodIP()).isEqualTo("10.0.0.7");
            assertThat(pods.getFirst().getMetadata().getAnnotations()).containsEntry("iam.amazonaws.com/role", "w");
            assertThat(Files.readString(token)).doesNotEndWith("\n").matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
            var config = io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(kubeconfig));
            try (var client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
                assertThat(client.namespaces().withName("shop").get().getMetadata().getAnnotations())
                        .isEqualTo(Map.of("team", "web"));
            }
        }
    }
}
