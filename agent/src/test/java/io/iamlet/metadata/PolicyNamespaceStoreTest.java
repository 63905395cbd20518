package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyNamespaceStoreTest {

    private final PolicyNamespaceStore store = new PolicyNamespaceStore();

    private static Namespace full(String name, String resourceVersion, Map<String, String> policy) {
        return new NamespaceBuilder().withNewMetadata().withName(name).withUid("uid-" + name)
                .withResourceVersion(resourceVersion).withCreationTimestamp("2026-01-01T00:00:00Z")
                .addToLabels("team", "payments").addToAnnotations("owner", "payments@example.com")
                .addToAnnotations(policy).addNewManagedField().withManager("kubectl").endManagedField()
                .endMetadata().withNewSpec().withFinalizers("kubernetes").endSpec()
                .withNewStatus().withPhase("Active").endStatus().build();
    }

    @Test
    void keepsOnlyTheNameVersionAndPolicyAnnotations() {
        Namespace ns = full("team-a", "7", Map.of(NamespacePolicy.ALLOWED_ROLES, "[\"app-*\"]",
                NamespacePolicy.PERMITTED, "db"));

        store.put(store.getKey(ns), ns);

        Namespace kept = store.get("team-a");
        assertThat(kept.getMetadata().getName()).isEqualTo("team-a");
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(kept.getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
                NamespacePolicy.ALLOWED_ROLES, "[\"app-*\"]", NamespacePolicy.PERMITTED, "db"));
        assertThat(kept.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(kept.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(kept.getMetadata().getUid()).isNull();
        assertThat(kept.getSpec()).isNull();
        assertThat(kept.getStatus()).isNull();
        assertThat(store.values()).singleElement().isEqualTo(kept);
    }

    @Test
    void aNamespaceWithoutPolicyKeepsNoAnnotationsAndTheSamePolicy() {
        Namespace ns = full("team-b", "3", Map.of());

        store.put(store.getKey(ns), ns);

        Namespace kept = store.get("team-b");
        assertThat(kept.getMetadata().getAnnotations()).isEmpty();
        assertThat(NamespacePolicy.fromAnnotations(kept.getMetadata().getAnnotations()).hasRules()).isFalse();
    }

    @Test
    void putAndRemoveAnswerTheKeptFormerValue() {
        Namespace first = full("team-a", "1", Map.of(NamespacePolicy.PERMITTED, "app"));
        Namespace second = full("team-a", "2", Map.of(NamespacePolicy.PERMITTED, "other"));

        assertThat(store.put("team-a", first)).isNull();
        Namespace replaced = store.put("team-a", second);

        assertThat(replaced.getMetadata().getResourceVersion()).isEqualTo("1");
        assertThat(replaced.getMetadata().getAnnotations()).containsEntry(NamespacePolicy.PERMITTED, "app");
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.keySet()).containsExactly("team-a");
        assertThat(store.remove("team-a").getMetadata().getAnnotations())
                .containsEntry(NamespacePolicy.PERMITTED, "other");
        assertThat(store.get("team-a")).isNull();
        assertThat(store.remove("team-a")).isNull();
        assertThat(store.size()).isZero();
    }
}
