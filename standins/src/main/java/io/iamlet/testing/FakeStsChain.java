package io.iamlet.testing;

/**
 * One role chain FakeSts accepted: {@code AssumeRole} of {@code targetRoleArn} signed with credentials FakeSts had
 * issued for {@code sourceRoleArn} (key {@code sourceAccessKeyId}).
 *
 * @param externalId        the ExternalId sent, null when none
 * @param durationSeconds   DurationSeconds asked, null when absent
 * @param issuedAccessKeyId the target role's credentials handed out
 */
public record FakeStsChain(
        String sourceAccessKeyId,
        String sourceRoleArn,
        String targetRoleArn,
        String externalId,
        Integer durationSeconds,
        String issuedAccessKeyId) {
}
