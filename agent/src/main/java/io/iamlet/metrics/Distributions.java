package io.iamlet.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;

/**
 * Buckets for two meters whose alerts need them, configured here because the registry, not the component, decides
 * what is exported:
 * <ul>
 *   <li>{@code iamlet.sts.request} (timer): a latency histogram, so p99 of STS calls can be alerted on.</li>
 *   <li>{@code iamlet.credentials.remaining} (summary, seconds): buckets at the SDKs' refresh thresholds, so an
 *       alert can count credentials served with less than 30 minutes left (botocore refreshes on every call under
 *       15 minutes; iamlet promises at least 30 while STS is healthy).</li>
 * </ul>
 * A component's own settings for the same meter win where both set a value.
 */
final class Distributions implements MeterFilter {

    static final String STS_REQUEST = "iamlet.sts.request";
    static final String CREDENTIALS_REMAINING = "iamlet.credentials.remaining";

    /** Seconds: 5, 15, 25, 30, 45 minutes, 1, 6, 12 hours. */
    static final double[] REMAINING_BUCKETS = {300, 900, 1500, 1800, 2700, 3600, 21600, 43200};

    @Override
    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return switch (id.getName()) {
            case STS_REQUEST -> config.merge(DistributionStatisticConfig.builder()
                    .percentilesHistogram(true)
                    .minimumExpectedValue((double) Duration.ofMillis(5).toNanos())
                    .maximumExpectedValue((double) Duration.ofSeconds(30).toNanos())
                    .build());
            case CREDENTIALS_REMAINING -> config.merge(DistributionStatisticConfig.builder()
                    .serviceLevelObjectives(REMAINING_BUCKETS)
                    .build());
            default -> config;
        };
    }
}
