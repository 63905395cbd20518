package io.iamlet.credentials.sts;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The node's own keys, looked up like the AWS SDK's default chain, in its order, for what a node agent can have:
 * system properties, environment variables, web identity (IRSA), the shared credentials file's static keys, the
 * container credentials endpoint, instance metadata. Links that the settings do not configure are left out when the
 * chain is built; the others are asked in order at the first need, and the first that answers is kept for good
 * (the SDK's {@code reuseLastProviderEnabled}). Nothing is fetched before keys are first needed.
 */
public final class NodeKeyChain implements NodeKeys {

    record Link(String name, NodeKeys keys) {
    }

    private final List<Link> links;
    /** What the chain built for its links and closes with itself: the unsigned STS client, the local HTTP client. */
    private final List<AutoCloseable> owned;
    private volatile Link chosen;

    NodeKeyChain(List<Link> links) {
        this(links, List.of());
    }

    private NodeKeyChain(List<Link> links, List<AutoCloseable> owned) {
        this.links = List.copyOf(links);
        this.owned = List.copyOf(owned);
    }

    /**
     * @param unsignedSts an unsigned STS client for the web-identity link (built only when that link is configured)
     */
    public static NodeKeyChain standard(Map<String, String> env, Properties system, Supplier<StsClient> unsignedSts,
                                        Clock clock) {
        return standard(env, system, unsignedSts, LocalHttp::client, clock);
    }

    /** As above, with the HTTP client of the container endpoint's and instance metadata's links (tests). */
    static NodeKeyChain standard(Map<String, String> env, Properties system, Supplier<StsClient> unsignedSts,
                                 Supplier<HttpClient> localClient, Clock clock) {
        List<AutoCloseable> owned = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        EnvironmentKeys.fromSystemProperties(system).ifPresent(k -> links.add(new Link("system properties",
                NodeKeys.fixed(k))));
        EnvironmentKeys.fromEnvironment(env).ifPresent(k -> links.add(new Link("environment variables",
                NodeKeys.fixed(k))));
        WebIdentityKeys.settings(env, system, clock).ifPresent(s -> {
            StsClient sts = unsignedSts.get();
            owned.add(sts);
            links.add(new Link("web identity token file", WebIdentityKeys.create(s, sts, clock)));
        });
        ProfileKeys.read(env, system).ifPresent(k -> links.add(new Link("profile file", NodeKeys.fixed(k))));
        // one local HTTP client for the two links that fetch from the node, made only when either is configured
        Optional<URI> container = ContainerKeys.endpoint(env);
        boolean instanceMetadata = !InstanceProfileKeys.disabled(env, system);
        if (container.isPresent() || instanceMetadata) {
            LocalHttp http = new LocalHttp(localClient.get());
            owned.add(http::close);
            container.ifPresent(uri -> links.add(new Link("container credentials endpoint",
                    ContainerKeys.create(uri, env, http, clock))));
            if (instanceMetadata) {
                links.add(new Link("instance metadata", InstanceProfileKeys.create(env, system, http, clock)));
            }
        }
        return new NodeKeyChain(links, owned);
    }

    /** Stops the clients the chain built for its links (the agent's STS client closes it at shutdown). */
    @Override
    public void close() {
        for (AutoCloseable c : owned.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // shutting down: nothing to do about a client that would not stop
            }
        }
    }

    /** The links, in order, by name (for logs and tests). */
    public List<String> names() {
        return links.stream().map(Link::name).toList();
    }

    @Override
    public CompletableFuture<AwsKeys> keys() {
        Link link = chosen;
        if (link != null) {
            return link.keys().keys();
        }
        return tryFrom(0, new ArrayList<>());
    }

    private CompletableFuture<AwsKeys> tryFrom(int i, List<String> failures) {
        if (i >= links.size()) {
            return CompletableFuture.failedFuture(new StsTransportException(
                    "no AWS credentials for the node: " + (failures.isEmpty() ? "no source is configured"
                            : String.join("; ", failures))));
        }
        Link link = links.get(i);
        CompletableFuture<AwsKeys> attempt;
        try {
            attempt = link.keys().keys();
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        return attempt.handle((keys, error) -> {
            if (error == null) {
                chosen = link;
                return CompletableFuture.completedFuture(keys);
            }
            Throwable cause = error.getCause() != null && error instanceof java.util.concurrent.CompletionException
                    ? error.getCause() : error;
            failures.add(link.name() + ": " + cause.getMessage());
            return tryFrom(i + 1, failures);
        }).thenCompose(f -> f);
    }

    @Override
    public String toString() {
        return "NodeKeyChain" + names();
    }
}
