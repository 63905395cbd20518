package io.iamlet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A fabric8 client against stand-ins that hold a scaled cluster, as iamlet and a benchmark see it. */
class ScaledApiServerIT {

    private static final String NODE = "node-a";
    private static final ClusterScale SCALE = new ClusterScale(3_000, 200, 500);
    private static final String SPEC = """
            {"node": "node-a",
             "namespaces": [{"name": "shop", "annotations": {"iam.amazonaws.com/allowed-roles": "[\\"app-*\\"]"}},
                            {"name": "batch"}],
             "serviceAccounts": [{"namespace": "shop", "name": "web", "roleArn": "arn:aws:iam::111122223333:role/app-web"}],
             "pods": [{"namespace": "shop", "name": "web-1", "serviceAccount": "web", "ip": "10.231.1.2"},
                      {"namespace": "shop", "name": "web-2", "serviceAccount": "web", "ip": "10.231.1.3"}]}
            """;

    private static StandIns standIns;
    private static KubernetesClient client;

    @BeforeAll
    static void start() {
        standIns = StandIns.start(InetAddress.getLoopbackAddress(), SCALE, NODE);
        standIns.seed(ClusterSpec.parse(SPEC));
        client = new KubernetesClientBuilder().withConfig(standIns.client().getConfiguration()).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        standIns.close();
    }

    @Test
    void listOfThisNodeHoldsOnlyItsSeededPods() {
        List<Pod> pods = client.pods().inAnyNamespace().withField("spec.nodeName", NODE).list().getItems();

        assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("web-1", "web-2");
    }

    @Test
    void listWithoutSelectorHoldsEveryPodOfTheCluster() {
        PodList list = client.pods().inAnyNamespace().list();

        assertThat(list.getItems()).hasSize(SCALE.pods() + 2);
        assertThat(list.getItems()).filteredOn(p -> !NODE.equals(p.getSpec().getNodeName())).hasSize(SCALE.pods());
        assertThat(list.getItems()).extracting(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
                .doesNotHaveDuplicates();
        assertThat(list.getItems()).allSatisfy(p -> assertThat(p.getStatus().getPodIP()).isNotBlank());
        assertThat(list.getMetadata().getResourceVersion()).isNotBlank();
    }

    @Test
    void listOfAnotherNodeHoldsThatNodesPods() {
        List<Pod> pods = client.pods().inAnyNamespace().withField("spec.nodeName", "scale-node-3").list().getItems();

        assertThat(pods).hasSize(GeneratedCluster.PODS_PER_NODE)
                .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("scale-node-3"));
    }

    @Test
    void listInOneNamespaceHoldsItsPods() {
        List<Pod> shop = client.pods().inNamespace("shop").list().getItems();
        List<Pod> generated = client.pods().inNamespace("scale-ns-5").list().getItems();

        assertThat(shop).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(generated).hasSize(SCALE.pods() / SCALE.namespaces())
                .allSatisfy(p -> assertThat(p.getMetadata().getNamespace()).isEqualTo("scale-ns-5"));
    }

    @Test
    void pagedListVisitsEveryPodOnce() {
        Set<String> seen = new HashSet<>();
        int pages = 0;
        String next = null;
        do {
            PodList page = client.pods().inAnyNamespace()
                    .list(new ListOptionsBuilder().withLimit(700L).withContinue(next).build());
            assertThat(page.getItems()).hasSizeLessThanOrEqualTo(700);
            page.getItems().forEach(p -> assertThat(seen.add(p.getMetadata().getUid())).isTrue());
            next = page.getMetadata().getContinue();
            pages++;
        } while (next != null && !next.isEmpty());

        assertThat(seen).hasSize(SCALE.pods() + 2);
        assertThat(pages).isEqualTo(5);
    }

    @Test
    void namespacesAreTheSpecsAndTheGeneratedOnes() {
        List<Namespace> namespaces = client.namespaces().list().getItems();

        assertThat(namespaces).hasSize(SCALE.namespaces() + 2);
        assertThat(namespaces).filteredOn(n -> n.getMetadata().getName().equals("shop")).singleElement()
                .satisfies(n -> assertThat(n.getMetadata().getAnnotations())
                        .containsEntry("iam.amazonaws.com/allowed-roles", "[\"app-*\"]"));
        assertThat(namespaces).filteredOn(n -> annotated(n, "iam.amazonaws.com/allowed-roles")).hasSize(100 + 1);
        assertThat(namespaces).filteredOn(n -> annotated(n, "iam.amazonaws.com/permitted")).hasSize(100);
        assertThat(client.namespaces().withName("scale-ns-199").get()).isNotNull();
        assertThat(client.namespaces().withName("scale-ns-200").get()).isNull();
    }

    @Test
    void generatedServiceAccountCanBeFetched() {
        var account = client.serviceAccounts().inNamespace("scale-ns-6").withName("scale-sa-206").get();

        assertThat(account).isNotNull();
        assertThat(account.getMetadata().getAnnotations())
                .containsEntry("eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/scale-sa-206");
        assertThat(client.serviceAccounts().inNamespace("scale-ns-7").withName("scale-sa-206").get()).isNull();
        assertThat(client.serviceAccounts().inNamespace("scale-ns-0").withName("scale-sa-500").get()).isNull();
        assertThat(client.serviceAccounts().inNamespace("shop").withName("web").get()).isNotNull();
    }

    @Test
    void generatedPodsRunAsServiceAccountsOfTheirNamespace() {
        List<Pod> pods = client.pods().inAnyNamespace().withField("spec.nodeName", "scale-node-0").list().getItems();

        assertThat(pods).allSatisfy(p -> assertThat(client.serviceAccounts().inNamespace(p.getMetadata().getNamespace())
                .withName(p.getSpec().getServiceAccountName()).get()).isNotNull());
    }

    @Test
    void informerOnThisNodeSeesPodsAddedAndDeleted() {
        List<String> events = new CopyOnWriteArrayList<>();
        SharedIndexInformer<Pod> informer = client.pods().inAnyNamespace().withField("spec.nodeName", NODE)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                        events.add("add " + pod.getMetadata().getName());
                    }

                    @Override
                    public void onUpdate(Pod before, Pod after) {
                    }

                    @Override
                    public void onDelete(Pod pod, boolean unknownFinalState) {
                        events.add("delete " + pod.getMetadata().getName());
                    }
                });
        try {
            await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);
            Pod added = standIns.runningPod("shop", "web-3", "web", NODE, "10.231.1.4", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("add web-3"));
            TestPods.delete(standIns.client(), added);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("delete web-3"));

            assertThat(new ArrayList<>(events)).containsExactly("add web-1", "add web-2", "add web-3", "delete web-3");
            assertThat(informer.getStore().list()).extracting(p -> p.getMetadata().getName())
                    .containsExactlyInAnyOrder("web-1", "web-2");
        } finally {
            informer.close();
        }
    }

    @Test
    void namespaceInformerHoldsEveryNamespace() {
        SharedIndexInformer<Namespace> informer = client.namespaces().inform();
        try {
            await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);

            assertThat(informer.getStore().list()).hasSize(SCALE.namespaces() + 2);
        } finally {
            informer.close();
        }
    }

    @Test
    void rejectsNegativeCounts() {
        assertThatThrownBy(() -> new ClusterScale(0, -1, 0)).hasMessage("--scale-namespaces must be 0 or more, was -1");
    }

    private static boolean annotated(Namespace namespace, String key) {
        var annotations = namespace.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(key);
    }
}
