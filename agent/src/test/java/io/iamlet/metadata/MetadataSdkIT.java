package io.iamlet.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.iamlet.audit.AuditEvent;
import io.iamlet.testing.FakeStsCall;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metadata path as a pod's SDK sees it: the real AWS SDK for Java v2 {@link InstanceProfileCredentialsProvider}
 * (endpoint on loopback) against the metadata listener, with pods and namespaces in the fabric8 mock API server and
 * credentials from the real cache over the assume-role source and the STS stand-in. 127.0.0.1 is the SDK's pod;
 * raw clients bound to 127.0.0.2 and up play other pods, and IMDSv1 clients (old SDKs send plain GETs).
 */
class MetadataSdkIT {

    private static final String WEB_ROLE = MetadataStack.BASE + "web";
    private static MetadataStack stack;
    private static MetadataListener optionalV2;
    private static MetadataListener requiredV2;
    private static Pod web;

    @BeforeAll
    static void start() throws Exception {
        stack = new MetadataStack();
        stack.namespace("shop", Map.of(NamespacePolicy.ALLOWED_ROLES, "[\"web\", \"batch-*\"]"));
        stack.namespace("open", Map.of());
        web = stack.pod("shop", "web-1", "127.0.0.1", "web");
        stack.pod("shop", "admin-1", "127.0.0.2", "admin");
        stack.pod("open", "loose-1", "127.0.0.3", MetadataStack.BASE + "web");
        // as in the agent: the service (and its prefetch listener) exists before the pod index starts
        optionalV2 = stack.listener(MetadataSettings.builder().baseRoleArn(MetadataStack.BASE));
        requiredV2 = stack.listener(MetadataSettings.builder().baseRoleArn(MetadataStack.BASE).imdsv2Required(true));
        stack.start();
        // web-1 is prefetched at start; the first STS call of a cold JVM can outlast the SDK's 1 s IMDS timeout
        await().atMost(Duration.ofSeconds(30)).until(() -> !stack.sts().keysIssuedFor(WEB_ROLE).isEmpty());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static InstanceProfileCredentialsProvider sdk(MetadataListener listener) {
        return InstanceProfileCredentialsProvider.builder().endpoint(listener.endpoint()).build();
    }

    @Test
    void sdkObtainsTheAnnotatedRolesCredentialsOverImdsV2() {
        double tokensBefore = optionalV2.count("iamlet.metadata.tokens.issued");
        try (var provider = sdk(optionalV2)) {
            var credentials = (AwsSessionCredentials) provider.resolveCredentials();

            assertThat(stack.sts().roleOf(credentials.accessKeyId())).contains(WEB_ROLE);
            assertThat(credentials.expirationTime()).hasValueSatisfying(expiry ->
                    assertThat(expiry).isAfter(Instant.now().plus(Duration.ofMinutes(45))));
            FakeStsCall call = stack.sts().calls("AssumeRole").stream()
                    .filter(c -> credentials.accessKeyId().equals(c.issuedAccessKeyId())).findFirst().orElseThrow();
            assertThat(call.tags()).containsEntry("kubernetes-pod-name", "web-1")
                    .containsEntry("kubernetes-namespace", "shop")
                    .containsEntry("kubernetes-pod-uid", web.getMetadata().getUid());
        }
        assertThat(optionalV2.count("iamlet.metadata.tokens.issued")).isGreaterThan(tokensBefore);
        assertThat(optionalV2.audited).anySatisfy(e -> {
            assertThat(e.granted()).isTrue();
            assertThat(e.endpoint()).isEqualTo("metadata");
            assertThat(e.pod()).isEqualTo("web-1");
            assertThat(e.roleArn()).isEqualTo(WEB_ROLE);
        });
    }

    @Test
    void sdkObtainsCredentialsWhenImdsV2IsRequired() {
        try (var provider = sdk(requiredV2)) {
            assertThat(stack.sts().roleOf(provider.resolveCredentials().accessKeyId())).contains(WEB_ROLE);
        }
    }

    @Test
    void imdsV1ClientObtainsCredentialsWhenV2IsNotRequired() {
        try (var pod = new ImdsClient(optionalV2.endpoint())) {
            HttpResponse<String> list = pod.get("/latest/meta-data/iam/security-credentials/");
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(list.body()).isEqualTo("web");

            HttpResponse<String> reply = pod.get("/latest/meta-data/iam/security-credentials/" + list.body());

            assertThat(reply.statusCode()).isEqualTo(200);
            assertThat(reply.headers().firstValue("server")).contains("EC2ws");
            JsonNode json = JsonMapper.shared().readTree(reply.body());
            assertThat(json.get("Code").asString()).isEqualTo("Success");
            assertThat(json.get("Type").asString()).isEqualTo("AWS-HMAC");
            assertThat(json.get("Expiration").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(json.get("LastUpdated").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(stack.sts().roleOf(json.get("AccessKeyId").asString())).contains(WEB_ROLE);
            assertThat(json.get("Token").asString()).isNotBlank();
        }
    }

    @Test
    void imdsV1IsRefusedWhenV2IsRequired() {
        try (var pod = new ImdsClient(requiredV2.endpoint())) {
            assertThat(pod.get("/latest/meta-data/iam/security-credentials/").statusCode()).isEqualTo(401);
            assertThat(pod.get("/latest/meta-data/iam/security-credentials/web").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void anotherRoleNameIsNotFoundAndTheExtendedPathIsExactly404() {
        try (var pod = new ImdsClient(optionalV2.endpoint())) {
            assertThat(pod.get("/latest/meta-data/iam/security-credentials/admin").statusCode()).isEqualTo(404);
            assertThat(pod.get("/latest/meta-data/iam/security-credentials/web/").statusCode()).isEqualTo(404);
            assertThat(pod.get("/latest/meta-data/iam/security-credentials-extended/web").statusCode())
                    .isEqualTo(404);
            assertThat(pod.get("/latest/meta-data/iam/security-credentials-extended/").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void infoIsSynthesisedForThePodsRoleNeverTheNodes() {
        try (var pod = new ImdsClient(optionalV2.endpoint())) {
            HttpResponse<String> reply = pod.get("/latest/meta-data/iam/info", TokenEndpoint.TOKEN_HEADER, pod.token());

            assertThat(reply.statusCode()).isEqualTo(200);
            JsonNode json = JsonMapper.shared().readTree(reply.body());
            assertThat(json.get("Code").asString()).isEqualTo("Success");
            assertThat(json.get("InstanceProfileArn").asString())
                    .isEqualTo("arn:aws:iam::" + MetadataStack.ACCOUNT + ":instance-profile/web");
            assertThat(json.get("InstanceProfileId").asString()).matches("AIPA[A-Z0-9]{17}");
        }
        assertThat(stack.upstream.received()).noneMatch(r -> r.path().contains("iam"));
    }

    @Test
    void aPodDeniedItsRoleGets403AnAuditEventAndOneKubernetesEvent() throws Exception {
        try (var admin = new ImdsClient(optionalV2.endpoint(), "127.0.0.2")) {
            HttpResponse<String> first = admin.get("/latest/meta-data/iam/security-credentials/");
            HttpResponse<String> second = admin.get("/latest/meta-data/iam/security-credentials/admin");

            assertThat(first.statusCode()).isEqualTo(403);
            assertThat(first.body()).contains(MetadataStack.BASE + "admin", "namespace shop", "AccessDenied");
            assertThat(second.statusCode()).isEqualTo(403);
        }
        List<AuditEvent> denials = optionalV2.audited.stream().filter(e -> "admin-1".equals(e.pod())).toList();
        assertThat(denials).hasSize(2).allSatisfy(e -> {
            assertThat(e.granted()).isFalse();
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.reason()).isEqualTo("namespace_policy_mismatch");
            assertThat(e.endpoint()).isEqualTo("metadata");
            assertThat(e.namespace()).isEqualTo("shop");
            assertThat(e.roleArn()).isEqualTo(MetadataStack.BASE + "admin");
            assertThat(e.sourceIp()).isEqualTo("127.0.0.2");
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> !stack.eventsOn("shop", "admin-1").isEmpty());
        stack.eventsFlushed();
        List<Event> events = stack.eventsOn("shop", "admin-1");
        assertThat(events).hasSize(1);
        Event event = events.getFirst();
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getReason()).isEqualTo("IamletDenied");
        assertThat(event.getInvolvedObject().getKind()).isEqualTo("Pod");
        assertThat(event.getMessage()).contains("namespace_policy_mismatch", MetadataStack.BASE + "admin");
        assertThat(stack.registry.find("iamlet.events.suppressed").counter().count())
                .isGreaterThanOrEqualTo(1);
        assertThat(stack.sts().keysIssuedFor(MetadataStack.BASE + "admin")).isEmpty();
    }

    @Test
    void aNamespaceWithoutPolicyAllowsNothing() {
        try (var loose = new ImdsClient(optionalV2.endpoint(), "127.0.0.3")) {
            HttpResponse<String> reply = loose.get("/latest/meta-data/iam/security-credentials/");

            assertThat(reply.statusCode()).isEqualTo(403);
            assertThat(reply.body()).contains("has no " + NamespacePolicy.ALLOWED_ROLES);
        }
    }

    @Test
    void sdkReportsARefusalWithoutCredentials() {
        MetadataListener strict = stack.listener(MetadataSettings.builder().baseRoleArn(MetadataStack.BASE)
                .namespaceRestrictions(true).allowedRoles(new io.iamlet.identity.RoleArnAllowList(
                        List.of(MetadataStack.BASE + "batch-*"))));
        try (var provider = sdk(strict)) {
            assertThatThrownBy(provider::resolveCredentials)
                    .hasStackTraceContaining("is not allowed by --allowed-role-pattern");
        }
    }
}
