package io.iamlet.metadata;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.audit.PodEventRecorder;
import io.iamlet.credentials.AssumeRoleSource;
import io.iamlet.credentials.CacheSettings;
import io.iamlet.credentials.CredentialCache;
import io.iamlet.credentials.MeteredSource;
import io.iamlet.credentials.StsClients;
import io.iamlet.pods.InformerPodIndex;
import io.iamlet.pods.PodSelector;
import io.iamlet.testing.FakeSts;
import io.iamlet.testing.MetadataStandIn;
import io.iamlet.testing.StandIns;
import io.iamlet.testing.TestPods;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import io.iamlet.credentials.sts.AwsKeys;
import io.iamlet.credentials.sts.StsClient;

/**
 * The metadata path's real dependencies, all on loopback: the fabric8 mock API server (pods, namespaces, events) with
 * the pod and namespace informers over it, the real credential cache over the assume-role source talking to the STS
 * stand-in with the node's key, the audit listener that records denials as Kubernetes events (one for all listeners,
 * as in the agent), and a stand-in upstream metadata service.
 */
final class MetadataStack implements AutoCloseable {

    static final String ACCOUNT = "111122223333";
    static final String BASE = "arn:aws:iam::" + ACCOUNT + ":role/";

    final StandIns standIns = StandIns.start();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final InformerPodIndex pods;
    final InformerNamespacePolicies namespaces;
    final StsClient sts;
    final CredentialCache cache;
    final ExecutorService eventThread = Executors.newSingleThreadExecutor();
    final PodEventRecorder events;
    final MetadataStandIn upstream;
    private final List<MetadataListener> listeners = new ArrayList<>();

    MetadataStack() throws IOException {
        pods = new InformerPodIndex(standIns.client(), PodSelector.clientSideOnly(TestPods.NODE),
                Duration.ofSeconds(2), Scheduler.systemScheduler(), registry);
        namespaces = new InformerNamespacePolicies(standIns.client(), Duration.ofSeconds(2), registry);
        sts = StsClients.build(StsClients.Settings.defaults("eu-west-1")
                        .withEndpointOverride(standIns.sts().endpoint()),
                AwsKeys.of(FakeSts.NODE_ACCESS_KEY_ID, FakeSts.NODE_SECRET_ACCESS_KEY));
        cache = new CredentialCache(new MeteredSource(new AssumeRoleSource(sts, "test-cluster", Duration.ofHours(1),
                Clock.systemUTC()), registry), CacheSettings.defaults(), key -> true, registry);
        events = new PodEventRecorder(standIns.client(), pods, TestPods.NODE, PodEventRecorder.DEFAULT_INTERVAL,
                eventThread, Ticker.systemTicker(), Clock.systemUTC(), registry);
        upstream = MetadataStandIn.onLoopback();
    }

    /** A metadata listener with these settings (upstream set to the stand-in). Add pods before {@link #start()}. */
    MetadataListener listener(MetadataSettings.Builder settings) {
        return listener(settings, upstream.endpoint());
    }

    /** A metadata listener with these settings and this upstream (such as one that is down). */
    MetadataListener listener(MetadataSettings.Builder settings, java.net.URI upstreamEndpoint) {
        MetadataListener listener = new MetadataListener(pods, namespaces, cache,
                settings.upstream(upstreamEndpoint).build(), Clock.systemUTC());
        listener.audit.addListener(events);
        listeners.add(listener);
        return listener;
    }

    /** Starts the informers and waits for their first list. */
    void start() throws Exception {
        namespaces.start().get(10, TimeUnit.SECONDS);
        pods.start().get(10, TimeUnit.SECONDS);
    }

    void namespace(String name, Map<String, String> annotations) {
        standIns.namespace(name, annotations);
    }

    Pod pod(String namespace, String name, String ip, String roleAnnotation) {
        var builder = TestPods.pod(namespace, name).serviceAccount("app").ips(ip);
        if (roleAnnotation != null) {
            builder.annotation(MetadataSettings.DEFAULT_POD_ROLE_ANNOTATION, roleAnnotation);
        }
        return TestPods.create(standIns.client(), builder.build());
    }

    List<Event> eventsOn(String namespace, String pod) {
        return standIns.client().v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName())).toList();
    }

    /** Waits until every event creation submitted so far has run (the executor is one thread, in order). */
    void eventsFlushed() throws Exception {
        eventThread.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    FakeSts sts() {
        return standIns.sts();
    }

    @Override
    public void close() {
        listeners.forEach(MetadataListener::close);
        cache.close();
        sts.close();
        pods.close();
        namespaces.close();
        eventThread.shutdownNow();
        upstream.close();
        standIns.close();
    }
}
