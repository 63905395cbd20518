package io.iamlet.injection;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.iamlet.associations.GrantResolver;
import io.iamlet.failure.Failure;
import io.iamlet.pods.PodIndex;
import io.iamlet.pods.PodInfo;
import io.iamlet.pods.PodView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a missed injection visible: a pod of this node whose service account maps to a role, but whose containers
 * lack the container-credentials settings ({@link MissingInjection}), gets one Warning Event
 * ({@value #REASON}) and counts in {@code iamlet.pods.missing.injection}. Such a pod was created while the admission
 * webhook was down (failure policy Ignore), excluded by a selector, or before the webhook was installed; its SDK
 * falls through its credential chain, to the node's role where instance metadata is reachable, and nobody would see
 * it.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Nothing runs on the informer thread that calls {@link #added}: the role is asked of the same resolver the
 *       container endpoint uses (asynchronous; association lookups are in memory, annotation lookups run on the API
 *       pool and are cached per service account), and only for a pod that maps to a role is the full pod read (the
 *       pod index keeps no containers), on the API pool.</li>
 *   <li>Bounded: at most {@value #MAX_PENDING} pod reads are queued or in flight, so checks never crowd out the
 *       lookups that pods wait for on that pool. A check that finds the pool full, or a resolver that cannot answer
 *       yet (associations not listed, API server unreachable), is retried later, a few times, while the pod lives.</li>
 *   <li>One Event and one count per pod uid (a pod's containers cannot change); the gauge
 *       {@code iamlet.pods.running.without.injection} holds those still on the node.</li>
 *   <li>"Maps to a role" includes a match the agent would deny (a tie, an invalid association, a role outside the
 *       allow-list): the webhook injects those too ({@link RoleMapping}).</li>
 * </ul>
 */
public final class MissedInjectionDetector implements PodIndex.PodListener {

    private static final Logger LOG = LoggerFactory.getLogger(MissedInjectionDetector.class);

    public static final String REASON = "IamletInjectionMissing";
    static final String COMPONENT = "iamlet";
    static final int MAX_PENDING = 16;
    static final int MAX_ATTEMPTS = 5;
    static final Duration RETRY_DELAY = Duration.ofSeconds(15);
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final GrantResolver roles;
    private final String nodeName;
    private final Executor apiCalls;
    private final ScheduledExecutorService retries;
    private final Clock clock;
    private final Duration retryDelay;
    /** Pods on the node now, by uid: a check for a pod that left is dropped. */
    private final Map<String, PodInfo> live = new ConcurrentHashMap<>();
    /** Uids checked to the end (reported or fine): checked once. */
    private final Set<String> done = ConcurrentHashMap.newKeySet();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter missing;
    private final Counter eventsFailed;
    private final Counter checksFailed;

    /**
     * @param client   the agent's API client (RBAC: pods get, events create)
     * @param roles    the container endpoint's role resolver ({@code --role-source})
     * @param apiCalls the bounded pool of API-server calls
     * @param retries  where retries wait (not the API pool)
     */
    public MissedInjectionDetector(KubernetesClient client, GrantResolver roles, String nodeName, Executor apiCalls,
                                   ScheduledExecutorService retries, Clock clock, MeterRegistry registry) {
        this(client, roles, nodeName, apiCalls, retries, clock, registry, RETRY_DELAY);
    }

    MissedInjectionDetector(KubernetesClient client, GrantResolver roles, String nodeName, Executor apiCalls,
                            ScheduledExecutorService retries, Clock clock, MeterRegistry registry,
                            Duration retryDelay) {
        this.client = Objects.requireNonNull(client, "client");
        this.roles = Objects.requireNonNull(roles, "roles");
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.apiCalls = Objects.requireNonNull(apiCalls, "apiCalls");
        this.retries = Objects.requireNonNull(retries, "retries");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retryDelay = retryDelay;
        this.missing = Counter.builder("iamlet.pods.missing.injection")
                .description("Pods of this node whose service account maps to a role but whose containers lack the "
                        + "webhook's injection (created while the webhook was unavailable or excluded)")
                .register(registry);
        Gauge.builder("iamlet.pods.running.without.injection", reported, Set::size).strongReference(true)
                .description("Pods on this node now that map to a role but lack the webhook's injection")
                .register(registry);
        this.eventsFailed = Counter.builder("iamlet.events.failed")
                .description("Events that could not be created (API error, executor stopped)").register(registry);
        this.checksFailed = Counter.builder("iamlet.injection.checks.failed")
                .description("Pods whose injection could not be checked (role or pod unreadable after retries)")
                .register(registry);
    }

    @Override
    public void added(PodInfo pod) {
        if (live.putIfAbsent(pod.uid(), pod) == null && !done.contains(pod.uid())) {
            check(pod, 1);
        }
    }

    @Override
    public void removed(PodInfo pod) {
        live.remove(pod.uid());
        done.remove(pod.uid());
        reported.remove(pod.uid());
    }

    private void check(PodInfo pod, int attempt) {
        if (!live.containsKey(pod.uid())) {
            return;
        }
        roles.grantFor(pod.namespace(), pod.serviceAccount()).handle((grant, error) -> {
            Failure failure = error == null ? null : Failure.find(error).orElse(null);
            if (error == null || RoleMapping.deniedMatch(error)) {
                readPod(pod, attempt);
            } else if (failure != null && !failure.transientFailure()) {
                done.add(pod.uid()); // no role (or a request the resolver refuses outright): nothing to inject
            } else {
                retry(pod, attempt, "role lookup: " + (failure != null ? failure.reason() : error.toString()));
            }
            return null;
        });
    }

    private void readPod(PodInfo pod, int attempt) {
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            retry(pod, attempt, "too many checks waiting for the API server");
            return;
        }
        try {
            apiCalls.execute(() -> {
                try {
                    inspect(pod, attempt);
                } finally {
                    pending.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            retry(pod, attempt, "the API-server pool is full or stopped");
        }
    }

    private void inspect(PodInfo info, int attempt) {
        PodView pod;
        try {
            // the lean view: of a pod's spec only what MissingInjection reads is bound (see PodView)
            pod = client.resources(PodView.class).inNamespace(info.namespace()).withName(info.name()).get();
        } catch (RuntimeException e) {
            retry(info, attempt, "reading the pod: " + e);
            return;
        }
        if (pod == null || pod.getMetadata() == null || !info.uid().equals(pod.getMetadata().getUid())) {
            return; // gone, or replaced by a pod of the same name that the index reports on its own
        }
        List<String> containers = MissingInjection.containers(pod);
        if (!done.add(info.uid()) || containers.isEmpty()) {
            return;
        }
        missing.increment();
        if (live.containsKey(info.uid())) {
            reported.add(info.uid());
        }
        LOG.atWarn().setMessage("pod maps to a role but its containers lack the webhook's injection; it was created "
                        + "while the webhook was unavailable or excluded")
                .addKeyValue("namespace", info.namespace()).addKeyValue("pod", info.name())
                .addKeyValue("service_account", info.serviceAccount()).addKeyValue("containers", containers).log();
        try {
            client.v1().events().inNamespace(info.namespace()).resource(event(info, containers)).create();
        } catch (RuntimeException e) {
            eventsFailed.increment();
            LOG.atWarn().setMessage("could not record a Kubernetes Event for a missed injection: {}")
                    .addArgument(e.toString()).addKeyValue("namespace", info.namespace())
                    .addKeyValue("pod", info.name()).log();
        }
    }

    private void retry(PodInfo pod, int attempt, String why) {
        if (attempt >= MAX_ATTEMPTS) {
            checksFailed.increment();
            LOG.atWarn().setMessage("could not check the pod's injection: {}").addArgument(why)
                    .addKeyValue("namespace", pod.namespace()).addKeyValue("pod", pod.name()).log();
            return;
        }
        try {
            retries.schedule(() -> check(pod, attempt + 1), retryDelay.toMillis() * attempt, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    Event event(PodInfo pod, List<String> containers) {
        String timestamp = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        Instant now = clock.instant();
        String suffix = "." + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano()) + ".inj";
        String name = pod.name().length() + suffix.length() <= 253 ? pod.name() + suffix
                : pod.name().substring(0, 253 - suffix.length()).replaceAll("[^a-z0-9]+$", "") + suffix;
        return new EventBuilder()
                .withNewMetadata()
                    .withName(name)
                    .withNamespace(pod.namespace())
                    .addToLabels("app.kubernetes.io/managed-by", COMPONENT)
                .endMetadata()
                .withNewInvolvedObject()
                    .withApiVersion("v1").withKind("Pod")
                    .withNamespace(pod.namespace()).withName(pod.name()).withUid(pod.uid())
                .endInvolvedObject()
                .withType("Warning")
                .withReason(REASON)
                .withMessage(message(pod, containers))
                .withFirstTimestamp(timestamp)
                .withLastTimestamp(timestamp)
                .withCount(1)
                .withNewSource().withComponent(COMPONENT).withHost(nodeName).endSource()
                .withReportingComponent(COMPONENT)
                .withReportingInstance(nodeName)
                .build();
    }

    static String message(PodInfo pod, List<String> containers) {
        String m = "service account " + pod.serviceAccount() + " maps to an IAM role, but container"
                + (containers.size() == 1 ? " " : "s ") + String.join(", ", containers) + " lack"
                + (containers.size() == 1 ? "s " : " ") + InjectionNames.CREDENTIALS_URI_VARIABLE + ", "
                + InjectionNames.TOKEN_FILE_VARIABLE + " or the token volume: the pod was created while iamlet's "
                + "webhook was unavailable or excluded, and its AWS SDK will not ask iamlet (it may fall back to "
                + "the node's credentials); restart the pod";
        return m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE);
    }
}
