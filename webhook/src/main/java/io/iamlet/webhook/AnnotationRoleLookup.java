package io.iamlet.webhook;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;

/**
 * A role applies when the service account carries the role annotation ({@code eks.amazonaws.com/role-arn} by
 * default) with a non-blank value. One GET per account, cached for {@code ttl} (a burst of pods of one Deployment
 * costs one request); no list or watch of every service account in the cluster, so RBAC grants {@code get} only.
 * A service account that does not exist has no role (the API server would refuse such a pod anyway).
 */
public final class AnnotationRoleLookup implements RoleLookup {

    private record Account(String namespace, String name) {}

    private final LoadingCache<Account, Boolean> cache;

    public AnnotationRoleLookup(KubernetesClient kubernetes, String annotation, Duration ttl, Ticker ticker) {
        this.cache = Caffeine.newBuilder()
                .expireAfterWrite(ttl)
                .maximumSize(10_000)
                .ticker(ticker)
                .build(account -> annotated(
                        kubernetes.serviceAccounts().inNamespace(account.namespace()).withName(account.name()).get(),
                        annotation));
    }

    @Override
    public boolean hasRole(String namespace, String serviceAccount) {
        return cache.get(new Account(namespace, serviceAccount));
    }

    private static boolean annotated(ServiceAccount account, String annotation) {
        if (account == null || account.getMetadata() == null) {
            return false;
        }
        Map<String, String> annotations = account.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(annotation);
        return value != null && !value.isBlank();
    }
}
