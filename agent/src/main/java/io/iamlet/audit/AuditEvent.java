package io.iamlet.audit;

/**
 * One grant or denial, as a security team reads it. Every field may be null when it was not known at the time of
 * the decision (a garbage token names no pod). Nothing secret: the access key id is an identifier that CloudTrail
 * also records, never the secret key or session token.
 */
public record AuditEvent(
        String endpoint,
        String sourceIp,
        String namespace,
        String pod,
        String serviceAccount,
        String roleArn,
        boolean granted,
        int status,
        String reason,
        Boolean cacheHit,
        String stsRequestId,
        String accessKeyId) {

    /** A builder-ish start: who asked, before anything is known of them. */
    public static AuditEvent from(String endpoint, String sourceIp) {
        return new AuditEvent(endpoint, sourceIp, null, null, null, null, false, 0, null, null, null, null);
    }

    public AuditEvent pod(String namespace, String pod, String serviceAccount) {
        return new AuditEvent(endpoint, sourceIp, namespace, pod, serviceAccount, roleArn, granted, status, reason,
                cacheHit, stsRequestId, accessKeyId);
    }

    public AuditEvent role(String roleArn) {
        return new AuditEvent(endpoint, sourceIp, namespace, pod, serviceAccount, roleArn, granted, status, reason,
                cacheHit, stsRequestId, accessKeyId);
    }

    public AuditEvent granted(boolean cacheHit, String stsRequestId, String accessKeyId) {
        return new AuditEvent(endpoint, sourceIp, namespace, pod, serviceAccount, roleArn, true, 200, "granted",
                cacheHit, stsRequestId, accessKeyId);
    }

    public AuditEvent denied(int status, String reason) {
        return new AuditEvent(endpoint, sourceIp, namespace, pod, serviceAccount, roleArn, false, status, reason,
                null, null, null);
    }
}
