package io.iamlet.metadata;

import static net.logstash.logback.argument.StructuredArguments.kv;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.pods.PodInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Denials as Kubernetes Events on the pod ({@code kubectl describe pod} shows them), at most one per pod and reason
 * per interval: an SDK retrying in a loop must not flood the API server. The create call runs on the given executor,
 * never on the caller's thread (an event loop); a failure is logged and counted, nothing more. Needs {@code create}
 * on {@code events} in the pods' namespaces.
 */
public final class KubernetesPodEvents implements PodEventRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesPodEvents.class);

    static final String REASON = "IamRoleDenied";
    private static final int MAX_MESSAGE = 1024;

    private record Key(String podUid, String reason) {
    }

    private final KubernetesClient client;
    private final String nodeName;
    private final Executor executor;
    private final Clock clock;
    private final Cache<Key, Instant> recent;
    private final MeterRegistry registry;

    /**
     * @param client   the API client; not closed here
     * @param nodeName reported as the event's source host
     * @param executor runs the blocking create calls (e.g. a virtual-thread executor)
     * @param clock    event timestamps and the rate limit's time
     * @param interval at most one event per pod and reason in this time (e.g. 5 minutes)
     */
    public KubernetesPodEvents(KubernetesClient client, String nodeName, Executor executor, Clock clock,
                               Duration interval, MeterRegistry registry) {
        this.client = Objects.requireNonNull(client, "client");
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.recent = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(interval)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run)
                .build();
    }

    @Override
    public void denied(PodInfo pod, String reason, String message) {
        Instant now = clock.instant();
        if (recent.asMap().putIfAbsent(new Key(pod.uid(), reason), now) != null) {
            count("suppressed");
            return;
        }
        Event event = event(pod, reason, message, now);
        try {
            executor.execute(() -> create(pod, event));
        } catch (RejectedExecutionException e) {
            count("failed");
        }
    }

    private void create(PodInfo pod, Event event) {
        try {
            client.v1().events().inNamespace(pod.namespace()).resource(event).create();
            count("sent");
        } catch (RuntimeException e) {
            count("failed");
            LOG.warn("could not record a Kubernetes event on the pod", kv("pod", pod.ref()),
                    kv("error", e.getClass().getSimpleName()));
            LOG.debug("event creation failed", e);
        }
    }

    private Event event(PodInfo pod, String reason, String message, Instant now) {
        String text = "iamlet refused the pod its IAM role (" + reason + "): " + message;
        if (text.length() > MAX_MESSAGE) {
            text = text.substring(0, MAX_MESSAGE - 3) + "...";
        }
        String timestamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        return new EventBuilder()
                .withNewMetadata()
                .withName(pod.name() + "." + suffix)
                .withNamespace(pod.namespace())
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion("v1")
                .withKind("Pod")
                .withNamespace(pod.namespace())
                .withName(pod.name())
                .withUid(pod.uid())
                .endInvolvedObject()
                .withType("Warning")
                .withReason(REASON)
                .withMessage(text)
                .withNewSource().withComponent("iamlet").withHost(nodeName).endSource()
                .withReportingComponent("iamlet")
                .withReportingInstance(nodeName)
                .withFirstTimestamp(timestamp)
                .withLastTimestamp(timestamp)
                .withCount(1)
                .build();
    }

    private void count(String outcome) {
        Counter.builder("iamlet.metadata.pod.events")
                .description("Kubernetes Events about denied pods: sent, suppressed by the rate limit, failed")
                .tag("outcome", outcome).register(registry).increment();
    }
}
