package io.iamlet.webhook;

import io.iamlet.associations.GrantResolver;
import io.iamlet.associations.RoleSource;
import io.iamlet.associations.RoleSourceResolver;
import io.iamlet.associations.AssociationStore;
import io.iamlet.identity.RoleArnAllowList;
import io.iamlet.injection.RoleMapping;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A role applies when a PodIdentityAssociation matches the service account, read from the agent's association
 * informer ({@link AssociationStore}): in memory, no request per pod. Any match injects, including one the agent will
 * deny (a tie, an invalid association): the pod then asks iamlet and gets a denial that names the problem, instead of
 * quietly using other credentials. The decision is the agent's own ({@link RoleMapping}), through the resolver the
 * agent uses in {@code --role-source association}, with every role allowed (the allow-list is the agent's to apply).
 */
public final class AssociationRoleLookup implements RoleLookup {

    private final GrantResolver associations;
    private final Duration wait;

    /**
     * @param store a started association store
     * @param wait  how long a lookup may wait for the store's first list (the webhook waits for it before serving)
     */
    public AssociationRoleLookup(AssociationStore store, Duration wait, MeterRegistry registry) {
        this.associations = RoleSourceResolver.create(RoleSource.ASSOCIATION, null, store, RoleArnAllowList.allowAll(),
                registry);
        this.wait = wait;
    }

    @Override
    public boolean hasRole(String namespace, String serviceAccount) {
        try {
            associations.grantFor(namespace, serviceAccount).get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | CompletionException e) {
            if (RoleMapping.noRole(e.getCause())) {
                return false;
            }
            if (RoleMapping.deniedMatch(e.getCause())) {
                return true;
            }
            throw new IllegalStateException("PodIdentityAssociations cannot be read: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("PodIdentityAssociations not read within " + wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
