package io.iamlet.testing;

import java.util.List;
import java.util.Map;

/**
 * One request FakeSts answered.
 *
 * @param tags              session tags, in request order (AssumeRole)
 * @param tokenSha256       hex SHA-256 of the web-identity token (AssumeRoleWithWebIdentity), never the token
 * @param signedBy          access key id of a verified SigV4 signature, null when unsigned
 * @param issuedAccessKeyId the credentials handed out, null on error
 * @param errorCode         STS error code answered, null on success
 * @param externalId        the ExternalId sent (AssumeRole), null when none
 */
public record FakeStsCall(
        String action,
        String roleArn,
        String sessionName,
        Integer durationSeconds,
        Map<String, String> tags,
        List<String> transitiveTagKeys,
        String tokenSha256,
        boolean authorizationHeader,
        String signedBy,
        String issuedAccessKeyId,
        int status,
        String errorCode,
        String requestId,
        String externalId) {

    public boolean succeeded() {
        return errorCode == null;
    }
}
