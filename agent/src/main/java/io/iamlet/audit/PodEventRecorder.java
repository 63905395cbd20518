package io.iamlet.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AuditLog} listener that records denials as Kubernetes Events on the pod, so that
 * {@code kubectl describe pod} shows why the pod got no credentials (kiam did this; kube2iam and the EKS agent
 * leave users to the agent's logs).
 *
 * <p>Invariants:
 * <ul>
 *   <li>Only refusals by policy (HTTP 403: wrong role, role not allowed, token of another pod, STS refused the
 *       role) that name a pod. Not 401s (a garbage token names nobody), not 404s (a pod without a role asking the
 *       metadata path is no error), not transient 503s (an STS or API outage would put an event on every pod of
 *       the node; metrics and alerts cover those).</li>
 *   <li>At most one Event per (namespace, pod, reason) per interval: a pod retrying in a loop must not flood the
 *       API server. The rest are counted ({@code iamlet.events.suppressed}) and remain in the audit log.</li>
 *   <li>Never on the caller's thread (often an event loop): the rate limit is decided in memory, the API call runs
 *       on the given executor (the bounded pool of API-server calls). Failures are logged and counted, never
 *       thrown.</li>
 *   <li>Events never crowd out the lookups pods wait for on that pool: at most {@value #MAX_PENDING} Events are
 *       queued or in flight; beyond that, and when the pool refuses the task, the Event is dropped and counted
 *       ({@code iamlet.events.failed}); the denial stays in the audit log.</li>
 *   <li>Nothing secret: the message carries the reason word, HTTP status, endpoint and role ARN; no token, key or
 *       source address.</li>
 *   <li>No API read: the pod's uid comes from the pod index when it still holds the pod ({@code kubectl describe}
 *       matches events by uid); without it the Event names the pod by namespace and name only.</li>
 * </ul>
 */
public final class PodEventRecorder implements Consumer<AuditEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(PodEventRecorder.class);

    /** The default interval between two Events for one pod and reason. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);
    static final String REASON = "IamletDenied";
    static final String COMPONENT = "iamlet";
    static final int MAX_PENDING = 16;
    private static final int MAX_MESSAGE = 1024;
    private static final int MAX_NAME = 253;
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ISO_INSTANT;

    private final KubernetesClient client;
    private final PodIndex pods;
    private final String nodeName;
    private final Duration interval;
    private final Executor executor;
    private final Clock clock;
    private final Cache<String, Boolean> recent;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter emitted;
    private final Counter suppressed;
    private final Counter failed;

    /**
     * @param client   the agent's API client (RBAC: {@code events: create})
     * @param pods     this node's pods, for the uid of the involved pod
     * @param nodeName reported as the Event's source host and reporting instance
     * @param interval at most one Event per pod and reason within it ({@link #DEFAULT_INTERVAL})
     * @param executor where the API calls run (not the event loop)
     * @param ticker   time for the rate limit; clock: the Event's timestamps
     */
    public PodEventRecorder(KubernetesClient client, PodIndex pods, String nodeName, Duration interval,
                            Executor executor, Ticker ticker, Clock clock, MeterRegistry registry) {
        this.client = Objects.requireNonNull(client, "client");
        this.pods = Objects.requireNonNull(pods, "pods");
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("event interval must be positive, was " + interval);
        }
        this.interval = interval;
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.recent = Caffeine.newBuilder()
                .expireAfterWrite(interval)
                .maximumSize(10_000)
                .ticker(Objects.requireNonNull(ticker, "ticker"))
                .executor(Runnable::run)
                .build();
        this.emitted = Counter.builder("iamlet.events.emitted")
                .description("Kubernetes Events created on pods for credential denials").register(registry);
        this.suppressed = Counter.builder("iamlet.events.suppressed")
                .description("Denials not recorded as an Event because one for the same pod and reason is recent")
                .register(registry);
        this.failed = Counter.builder("iamlet.events.failed")
                .description("Events that could not be created (API error, executor stopped)").register(registry);
    }

    @Override
    public void accept(AuditEvent event) {
        if (event.granted() || event.status() != 403 || event.namespace() == null || event.pod() == null) {
            return;
        }
        String key = event.namespace() + '/' + event.pod() + '/' + event.reason();
        if (recent.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
            suppressed.increment();
            return;
        }
        if (pending.incrementAndGet() > MAX_PENDING) {
            dropped(event, key, "too many events waiting for the API server");
            return;
        }
        try {
            executor.execute(() -> send(event, key));
        } catch (RejectedExecutionException e) {
            dropped(event, key, "the API-server pool is full or stopped");
        }
    }

    private void dropped(AuditEvent event, String key, String why) {
        pending.decrementAndGet();
        recent.invalidate(key); // the next denial tries again
        failed.increment();
        LOG.atDebug().setMessage("pod event dropped: {}").addArgument(why)
                .addKeyValue("namespace", event.namespace()).addKeyValue("pod", event.pod()).log();
    }

    private void send(AuditEvent audit, String key) {
        try {
            Event event = toEvent(audit);
            client.v1().events().inNamespace(audit.namespace()).resource(event).create();
            emitted.increment();
        } catch (RuntimeException e) {
            // Let the next denial try again rather than waiting out the interval for an Event that never was.
            recent.invalidate(key);
            failed.increment();
            LOG.atWarn().setMessage("could not record a Kubernetes Event for a denial: {}").addArgument(e.toString())
                    .addKeyValue("namespace", audit.namespace()).addKeyValue("pod", audit.pod())
                    .addKeyValue("reason", audit.reason()).log();
        } finally {
            pending.decrementAndGet();
        }
    }

    Event toEvent(AuditEvent audit) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        String uid = pods.pods().stream()
                .filter(p -> p.namespace().equals(audit.namespace()) && p.name().equals(audit.pod()))
                .map(PodInfo::uid)
                .findFirst()
                .orElse(null);
        String timestamp = TIMESTAMP.format(now);
        return new EventBuilder()
                .withNewMetadata()
                    .withName(eventName(audit.pod(), clock.instant()))
                    .withNamespace(audit.namespace())
                    .addToLabels("app.kubernetes.io/managed-by", COMPONENT)
                .endMetadata()
                .withNewInvolvedObject()
                    .withApiVersion("v1")
                    .withKind("Pod")
                    .withNamespace(audit.namespace())
                    .withName(audit.pod())
                    .withUid(uid)
                .endInvolvedObject()
                .withType("Warning")
                .withReason(REASON)
                .withMessage(message(audit))
                .withFirstTimestamp(timestamp)
                .withLastTimestamp(timestamp)
                .withCount(1)
                .withNewSource().withComponent(COMPONENT).withHost(nodeName).endSource()
                .withReportingComponent(COMPONENT)
                .withReportingInstance(nodeName)
                .build();
    }

    String message(AuditEvent audit) {
        StringBuilder m = new StringBuilder("iamlet refused credentials");
        if (audit.roleArn() != null) {
            m.append(" for role ").append(audit.roleArn());
        }
        m.append(": ").append(audit.reason()).append(" (HTTP ").append(audit.status()).append(", ")
                .append(audit.endpoint()).append(" endpoint). Further '").append(audit.reason())
                .append("' denials of this pod are not recorded as events for ").append(human(interval))
                .append("; every request is in iamlet's audit log on node ").append(nodeName).append('.');
        return m.length() <= MAX_MESSAGE ? m.toString() : m.substring(0, MAX_MESSAGE);
    }

    /**
     * {@code <pod>.<hex time>.<hex sequence>}, as the kubelet names its events (the sequence tells apart two events
     * of one instant), within the 253-character limit of a DNS subdomain.
     */
    String eventName(String pod, Instant now) {
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String suffix = "." + Long.toHexString(nanos) + "." + Long.toHexString(sequence.incrementAndGet());
        if (pod.length() + suffix.length() <= MAX_NAME) {
            return pod + suffix;
        }
        String base = pod.substring(0, MAX_NAME - suffix.length()).replaceAll("[^a-z0-9]+$", "");
        return base + suffix;
    }

    private static String human(Duration d) {
        if (d.toSecondsPart() == 0 && d.toMinutes() > 0) {
            return d.toMinutes() + "m";
        }
        return d.toSeconds() + "s";
    }
}
