package io.iamlet.credentials.sts;

/**
 * A successful STS answer: credentials for AssumeRole*, the caller's identity for GetCallerIdentity.
 *
 * @param credentials     null when the answer carried none
 * @param assumedRoleArn  {@code AssumedRoleUser/Arn} (or GetCallerIdentity's {@code Arn}); may be null
 * @param requestId       {@code ResponseMetadata/RequestId}; may be null
 */
public record StsResponse(AwsKeys credentials, String assumedRoleArn, String account, String requestId) {
}
