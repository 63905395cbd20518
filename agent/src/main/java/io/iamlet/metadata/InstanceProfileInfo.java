package io.iamlet.metadata;

import io.iamlet.credentials.CredentialsJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The synthesised {@code iam/info} document of a pod's role. The node's real profile is never read for it.
 *
 * <ul>
 *   <li>{@code InstanceProfileArn}: the role ARN with {@code role/} replaced by {@code instance-profile/} (path and
 *       name kept), as when profile and role share a name, the console's default.</li>
 *   <li>{@code InstanceProfileId}: {@code AIPA} and 17 characters derived from a hash of the role ARN: stable for a
 *       role, distinct between roles, shaped like a real id, and meaning nothing to IAM.</li>
 *   <li>{@code LastUpdated}: when this iamlet started (nothing about the profile changes while it runs).</li>
 * </ul>
 */
final class InstanceProfileInfo {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private InstanceProfileInfo() {
    }

    static byte[] render(String roleArn, Instant lastUpdated) {
        ObjectNode body = JSON.createObjectNode();
        body.put("Code", "Success");
        body.put("LastUpdated", CredentialsJson.timestamp(lastUpdated));
        body.put("InstanceProfileArn", profileArn(roleArn));
        body.put("InstanceProfileId", profileId(roleArn));
        return JSON.writeValueAsBytes(body);
    }

    static String profileArn(String roleArn) {
        int role = roleArn.indexOf(":role/");
        return roleArn.substring(0, role) + ":instance-profile/" + roleArn.substring(role + ":role/".length());
    }

    static String profileId(String roleArn) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(roleArn.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder id = new StringBuilder("AIPA");
        for (int i = 0; i < 17; i++) {
            id.append(BASE32[(hash[i] & 0xff) % 32]);
        }
        return id.toString();
    }
}
