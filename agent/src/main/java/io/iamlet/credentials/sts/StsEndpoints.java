package io.iamlet.credentials.sts;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where STS is: an explicit endpoint ({@code --sts-endpoint}), else the SDK's configured-endpoint settings
 * ({@code aws.endpointUrlSts} / {@code AWS_ENDPOINT_URL_STS}, then {@code aws.endpointUrl} / {@code AWS_ENDPOINT_URL},
 * unless {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true}), else the regional endpoint {@code https://sts.<region>.
 * <dnsSuffix>} of the region's partition, as the SDK's STS endpoint rules give it (FIPS and dual-stack endpoints
 * are not offered).
 */
public final class StsEndpoints {

    /** The AWS SDK's partitions (2.57.8): region pattern to DNS suffix; unknown regions fall in {@code aws}. */
    private static final List<Map.Entry<Pattern, String>> PARTITIONS = List.of(
            Map.entry(Pattern.compile("^(us|eu|ap|sa|ca|me|af|il|mx)-\\w+-\\d+$"), "amazonaws.com"),
            Map.entry(Pattern.compile("^cn-\\w+-\\d+$"), "amazonaws.com.cn"),
            Map.entry(Pattern.compile("^us-gov-\\w+-\\d+$"), "amazonaws.com"),
            Map.entry(Pattern.compile("^us-iso-\\w+-\\d+$"), "c2s.ic.gov"),
            Map.entry(Pattern.compile("^us-isob-\\w+-\\d+$"), "sc2s.sgov.gov"),
            Map.entry(Pattern.compile("^eu-isoe-\\w+-\\d+$"), "cloud.adc-e.uk"),
            Map.entry(Pattern.compile("^us-isof-\\w+-\\d+$"), "csp.hci.ic.gov"),
            Map.entry(Pattern.compile("^eusc-(de)-\\w+-\\d+$"), "amazonaws.eu"));
    /** The SDK's pseudo-region of the global endpoint, signed as us-east-1. */
    static final String GLOBAL = "aws-global";
    private static final Pattern HOST_LABEL = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private StsEndpoints() {
    }

    /** The endpoint to call; a configured one that {@link #checked} refuses fails here, naming its setting. */
    public static URI resolve(String region, URI override, Map<String, String> env, Properties system) {
        if (override != null) {
            return checked("--sts-endpoint", override);
        }
        if (!"true".equalsIgnoreCase(setting(env, system, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                "aws.ignoreConfiguredEndpointUrls"))) {
            String name = settingName(system, "AWS_ENDPOINT_URL_STS", "aws.endpointUrlSts");
            String configured = setting(env, system, "AWS_ENDPOINT_URL_STS", "aws.endpointUrlSts");
            if (configured == null) {
                name = settingName(system, "AWS_ENDPOINT_URL", "aws.endpointUrl");
                configured = setting(env, system, "AWS_ENDPOINT_URL", "aws.endpointUrl");
            }
            if (configured != null) {
                URI uri;
                try {
                    uri = URI.create(configured.trim());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + " is not a URL"); // the value may hold a secret
                }
                return checked(name, uri);
            }
        }
        return regional(region);
    }

    /**
     * {@code endpoint}, when STS can be called there: http or https, a host, and no user info, query or fragment.
     * Requests are signed for the endpoint's path alone (SigV4's canonical query string is empty): an endpoint with
     * a query would send one the signature does not cover, and STS would refuse every call.
     *
     * @throws IllegalArgumentException naming {@code setting} and what is wrong, not the value: user info or a
     *         query may hold a secret
     */
    public static URI checked(String setting, URI endpoint) {
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        String problem = !scheme.equals("https") && !scheme.equals("http") ? "is not http or https"
                : endpoint.getHost() == null ? "has no host"
                : endpoint.getRawUserInfo() != null ? "has user info"
                : endpoint.getRawQuery() != null ? "has a query"
                : endpoint.getRawFragment() != null ? "has a fragment" : null;
        if (problem != null) {
            throw new IllegalArgumentException(setting + " must be an http(s) URL with a host and without user "
                    + "info, query or fragment; it " + problem);
        }
        return endpoint;
    }

    /** {@code https://sts.<region>.<partition's dnsSuffix>}. */
    public static URI regional(String region) {
        String r = region.toLowerCase(Locale.ROOT);
        if (r.equals(GLOBAL)) {
            return URI.create("https://sts.amazonaws.com");
        }
        if (!HOST_LABEL.matcher(r).matches()) {
            throw new IllegalArgumentException("AWS_REGION is not a region name: " + region);
        }
        String suffix = PARTITIONS.stream().filter(p -> p.getKey().matcher(r).matches()).map(Map.Entry::getValue)
                .findFirst().orElse("amazonaws.com");
        return URI.create("https://sts." + r + "." + suffix);
    }

    /** The region a request to {@code region}'s endpoint is signed for. */
    public static String signingRegion(String region) {
        return GLOBAL.equalsIgnoreCase(region) ? "us-east-1" : region;
    }

    /** The name of the setting {@link #setting} reads a value from: the system property when it is set. */
    private static String settingName(Properties system, String variable, String property) {
        String value = system.getProperty(property);
        return value == null || value.isBlank() ? variable : property;
    }

    /** The SDK reads the system property first, then the environment variable. */
    private static String setting(Map<String, String> env, Properties system, String variable, String property) {
        String value = system.getProperty(property);
        if (value == null || value.isBlank()) {
            value = env.get(variable);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
