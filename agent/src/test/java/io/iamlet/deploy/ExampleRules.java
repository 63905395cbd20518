package io.iamlet.deploy;

import static io.iamlet.deploy.PodParts.list;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the example workloads must get right for an unmodified AWS SDK to obtain credentials from iamlet. */
final class ExampleRules {
    static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private ExampleRules() {}

    /** A pod using the container endpoint with a projected token, as EKS Pod Identity sets it up. */
    static List<String> podIdentity(Install install) {
        Violations v = new Violations();
        Pod pod = install.one(Pod.class);
        String namespace = pod.getMetadata().getNamespace();
        Optional<ServiceAccount> account = install.all(ServiceAccount.class).stream()
                .filter(sa -> sa.getMetadata().getName().equals(pod.getSpec().getServiceAccountName())
                        && Objects.equals(sa.getMetadata().getNamespace(), namespace))
                .findFirst();
        v.require(account.isPresent(), "the pod's service account %s must be part of the example",
                pod.getSpec().getServiceAccountName());
        account.ifPresent(sa -> {
            String role = annotations(sa.getMetadata().getAnnotations()).get("eks.amazonaws.com/role-arn");
            v.require(role != null && ROLE_ARN.matcher(role).matches(),
                    "service account %s must carry a role ARN in eks.amazonaws.com/role-arn, was '%s'",
                    sa.getMetadata().getName(), visible(role));
        });

        List<Volume> tokenVolumes = list(pod.getSpec().getVolumes()).stream()
                .filter(vol -> vol.getProjected() != null && list(vol.getProjected().getSources()).stream()
                        .anyMatch(source -> source.getServiceAccountToken() != null))
                .toList();
        v.require(tokenVolumes.size() == 1, "the pod must project exactly one service-account token volume");
        if (tokenVolumes.size() != 1) {
            return v.list();
        }
        Volume volume = tokenVolumes.getFirst();
        ServiceAccountTokenProjection token = volume.getProjected().getSources().stream()
                .map(source -> source.getServiceAccountToken()).filter(Objects::nonNull).findFirst().orElseThrow();
        v.require(CliContract.DEFAULT_AUDIENCE.equals(token.getAudience()),
                "the token's audience must be exactly '%s' (iamlet's --audience), was '%s'",
                CliContract.DEFAULT_AUDIENCE, visible(token.getAudience()));
        v.require(token.getExpirationSeconds() != null && token.getExpirationSeconds() >= 600,
                "the token's expirationSeconds must be at least 600 (the API server's minimum), was %s",
                token.getExpirationSeconds());
        v.require(token.getPath() != null && FILE_NAME.matcher(token.getPath()).matches(),
                "the token's path must be a plain file name, was '%s'", visible(token.getPath()));

        List<Container> clients = list(pod.getSpec().getContainers()).stream()
                .filter(c -> PodParts.env(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI").isPresent())
                .toList();
        v.require(!clients.isEmpty(), "a container must set AWS_CONTAINER_CREDENTIALS_FULL_URI");
        for (Container c : clients) {
            String uri = PodParts.env(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI").map(e -> e.getValue()).orElse(null);
            v.require(CliContract.CONTAINER_CREDENTIALS_URI.equals(uri),
                    "%s: AWS_CONTAINER_CREDENTIALS_FULL_URI must be %s, was '%s'",
                    c.getName(), CliContract.CONTAINER_CREDENTIALS_URI, visible(uri));
            Optional<VolumeMount> mount = list(c.getVolumeMounts()).stream()
                    .filter(m -> m.getName().equals(volume.getName())).findFirst();
            v.require(mount.filter(m -> Boolean.TRUE.equals(m.getReadOnly())).isPresent(),
                    "%s must mount the token volume read-only", c.getName());
            String expected = mount.map(m -> m.getMountPath() + "/" + token.getPath()).orElse("?");
            String file = PodParts.env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").map(e -> e.getValue()).orElse(null);
            v.require(expected.equals(file), "%s: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE must be %s, was '%s'",
                    c.getName(), expected, visible(file));
            // The Java SDK prefers a static token over the file, and a static token never rotates.
            v.require(PodParts.env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN").isEmpty(),
                    "%s must not set AWS_CONTAINER_AUTHORIZATION_TOKEN", c.getName());
        }
        return v.list();
    }

    /** A pod naming its role in iam.amazonaws.com/role, allowed by its namespace's kube2iam policy. */
    static List<String> kube2iam(Install install) {
        Violations v = new Violations();
        Pod pod = install.one(Pod.class);
        String role = annotations(pod.getMetadata().getAnnotations()).get("iam.amazonaws.com/role");
        v.require(role != null && ROLE_ARN.matcher(role).matches(),
                "pod %s must name a role ARN in iam.amazonaws.com/role, was '%s'",
                pod.getMetadata().getName(), visible(role));
        Optional<Namespace> namespace = install.all(Namespace.class).stream()
                .filter(ns -> ns.getMetadata().getName().equals(pod.getMetadata().getNamespace())).findFirst();
        v.require(namespace.isPresent(), "the pod's namespace must be part of the example");
        namespace.ifPresent(ns -> {
            String policy = annotations(ns.getMetadata().getAnnotations()).get("iam.amazonaws.com/allowed-roles");
            List<String> globs = jsonStrings(policy);
            v.require(!globs.isEmpty(), "namespace %s: iam.amazonaws.com/allowed-roles must be a JSON array of "
                    + "role globs, was '%s'", ns.getMetadata().getName(), visible(policy));
            v.require(role != null && globs.stream().anyMatch(glob -> glob(glob).matcher(role).matches()),
                    "namespace %s allows %s, which does not include the pod's role %s",
                    ns.getMetadata().getName(), globs, role);
        });
        return v.list();
    }

    private static List<String> jsonStrings(String json) {
        try {
            JsonNode node = JsonMapper.shared().readTree(json == null ? "" : json);
            if (node == null || !node.isArray()) {
                return List.of();
            }
            List<JsonNode> items = StreamSupport.stream(node.spliterator(), false).toList();
            return items.stream().allMatch(JsonNode::isString)
                    ? items.stream().map(JsonNode::asString).toList() : List.of();
        } catch (JacksonException e) {
            return List.of();
        }
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            regex.append(Pattern.quote(part)).append(".*");
        }
        return Pattern.compile(regex.substring(0, regex.length() - 2));
    }

    private static Map<String, String> annotations(Map<String, String> annotations) {
        return annotations == null ? Map.of() : annotations;
    }

    /** Shows the whitespace that breaks SDKs (a YAML block scalar's trailing newline, for one). */
    private static String visible(String value) {
        return value == null ? null : value.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }
}
