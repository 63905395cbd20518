package io.iamlet.e2e.node;

import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AWS SDK for Java v2 exactly as a container runs it: the default credential chain, configured by nothing but the
 * process environment (which the test takes from the webhook's mutation of the pod spec). Prints one JSON line:
 * {@code ok} and {@code accessKeyId}, or {@code error}; never a secret.
 */
public final class EnvCredentialsPod {

    private EnvCredentialsPod() {
    }

    public static void main(String[] args) {
        Map<String, Object> answer = new LinkedHashMap<>();
        try (DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build()) {
            AwsCredentials credentials = chain.resolveCredentials();
            answer.put("ok", true);
            answer.put("accessKeyId", credentials.accessKeyId());
        } catch (RuntimeException e) {
            answer.put("ok", false);
            answer.put("error", e.toString());
        }
        System.out.println(JsonMapper.builder().build().writeValueAsString(answer));
    }
}
