package io.iamlet.metadata;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.iamlet.identity.RoleArns;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metadata path's base role ARN when {@code --base-role-arn} is not given and {@code --auto-discover-base-arn} is
 * on (kube2iam's flag of the same name): the node's own instance profile, read once from the upstream's
 * {@code iam/info} ({@code arn:<partition>:iam::<account>:instance-profile/<path/>name}), gives
 * {@code arn:<partition>:iam::<account>:role/}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Never a guess: until a well-formed profile ARN has been read, {@link #get()} is null, so role names are refused
 *       ({@code no_base_arn}) exactly as without a base; full ARNs work throughout.</li>
 *   <li>Set at most once and never changed: a request reads either null or the one discovered base.</li>
 *   <li>Failures are retried on the scheduler with a doubling delay, {@link #FIRST_RETRY} up to {@link #MAX_RETRY},
 *       until one succeeds or the discovery is closed. Nothing blocks: the upstream client is asynchronous.</li>
 * </ul>
 */
public final class BaseArnDiscovery implements Supplier<String>, AutoCloseable {

    static final String PATH = "/latest/meta-data/iam/info";
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(BaseArnDiscovery.class);
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Pattern PROFILE_ARN =
            Pattern.compile("arn:([a-z-]{1,20}):iam::(\\d{12}):instance-profile/[\\w+=,.@/-]{1,600}");

    private final UpstreamMetadata upstream;
    private final Scheduler scheduler;
    private final AtomicReference<String> base = new AtomicReference<>();
    private volatile boolean closed;

    BaseArnDiscovery(UpstreamMetadata upstream, Scheduler scheduler) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /**
     * Where the metadata path takes its base role ARN from: {@code --base-role-arn} when given (the upstream is not
     * asked), else a discovery started here when {@code --auto-discover-base-arn} is on, else none (null).
     *
     * @param scheduler runs the retries; in production {@code Scheduler.forScheduledExecutorService(...)}
     */
    public static Supplier<String> baseRoleArn(MetadataSettings settings, UpstreamMetadata upstream,
                                               Scheduler scheduler) {
        String explicit = settings.baseRoleArn();
        if (explicit != null || !settings.autoDiscoverBaseArn()) {
            return () -> explicit;
        }
        BaseArnDiscovery discovery = new BaseArnDiscovery(upstream, scheduler);
        discovery.start();
        return discovery;
    }

    void start() {
        attempt(FIRST_RETRY);
    }

    /** The discovered base, such as {@code arn:aws:iam::111122223333:role/}, or null while unknown. */
    @Override
    public String get() {
        return base.get();
    }

    /** Stops retrying; a base already discovered stays. */
    @Override
    public void close() {
        closed = true;
    }

    private void attempt(Duration nextRetry) {
        if (closed) {
            return;
        }
        upstream.get(PATH).thenApply(answer -> {
            if (answer.status() != 200) {
                throw new IllegalStateException(answer.status() == 404
                        ? "the node has no instance profile (iam/info answered 404)"
                        : "iam/info answered status " + answer.status());
            }
            return baseOf(answer.body());
        }).whenComplete((discovered, error) -> {
            if (error == null) {
                base.set(discovered);
                LOG.atInfo().setMessage("discovered the base role ARN from the node's instance profile")
                        .addKeyValue("base_role_arn", discovered).log();
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            LOG.atWarn().setMessage("could not discover the base role ARN from the node's instance profile:"
                            + " pod annotations naming a role (not a full ARN) are refused until it succeeds;"
                            + " set --base-role-arn to avoid this")
                    .addKeyValue("reason", cause.getMessage()).addKeyValue("retry_in", nextRetry).log();
            retry(nextRetry);
        });
    }

    private void retry(Duration delay) {
        if (closed) {
            return;
        }
        Duration after = delay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : delay.multipliedBy(2);
        try {
            scheduler.schedule(Runnable::run, () -> attempt(after), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            closed = true; // the agent is stopping
        }
    }

    /**
     * The base role ARN of an {@code iam/info} document; fails with a message that never quotes the document (it is
     * the upstream's, but a stand-in or a proxy could put anything there).
     */
    static String baseOf(byte[] document) {
        JsonNode info;
        try {
            info = JSON.readTree(document);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("iam/info is not a JSON document");
        }
        JsonNode arn = info == null ? null : info.get("InstanceProfileArn");
        if (arn == null || !arn.isString()) {
            throw new IllegalArgumentException("iam/info has no InstanceProfileArn");
        }
        var m = PROFILE_ARN.matcher(arn.asString());
        if (!m.matches()) {
            throw new IllegalArgumentException("InstanceProfileArn of iam/info is not of the form"
                    + " arn:<partition>:iam::<12-digit account>:instance-profile/<name>");
        }
        String candidate = "arn:" + m.group(1) + ":iam::" + m.group(2) + ":role/";
        RoleArns.problem(candidate + "x").ifPresent(p -> {
            throw new IllegalArgumentException("InstanceProfileArn of iam/info gives no valid role ARN: " + p);
        });
        return candidate;
    }
}
