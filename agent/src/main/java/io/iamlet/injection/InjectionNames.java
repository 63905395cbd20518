package io.iamlet.injection;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one definition of what the admission webhook injects into a pod, shared by the webhook (which adds it) and the
 * node agent (which reports pods that lack it). EKS Pod Identity's names and paths, so that a workload moves between
 * EKS and other clusters unchanged: the two variables the AWS SDKs read for the container credential provider, and
 * one projected service-account token volume mounted read-only.
 */
public final class InjectionNames {

    public static final String CREDENTIALS_URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    public static final String TOKEN_FILE_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
    public static final String VOLUME_NAME = "eks-pod-identity-token";
    public static final String MOUNT_PATH = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount";
    public static final String TOKEN_FILE_NAME = "eks-pod-identity-token";
    public static final String TOKEN_FILE = MOUNT_PATH + "/" + TOKEN_FILE_NAME;
    /** Comma-separated names of containers the webhook leaves alone (the annotation EKS's webhooks honour). */
    public static final String SKIP_CONTAINERS_ANNOTATION = "eks.amazonaws.com/skip-containers";
    public static final String DEFAULT_AUDIENCE = "pods.eks.amazonaws.com";

    /** The container endpoint's address per IP family, as EKS Pod Identity serves it. */
    public enum IpFamily {
        IPV4("http://169.254.170.23/v1/credentials"),
        IPV6("http://[fd00:ec2::23]/v1/credentials");

        private final String uri;

        IpFamily(String uri) {
            this.uri = uri;
        }

        public String credentialsUri() {
            return uri;
        }
    }

    private InjectionNames() {
    }

    /** The containers a pod's {@link #SKIP_CONTAINERS_ANNOTATION} names; empty without it. */
    public static Set<String> skippedContainers(Map<String, String> annotations) {
        String value = annotations == null ? null : annotations.get(SKIP_CONTAINERS_ANNOTATION);
        if (value == null) {
            return Set.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }
}
