package io.iamlet.config;

/** Which STS call produces credentials. */
public enum CredentialSourceKind {
    /** AssumeRoleWithWebIdentity with the caller's own projected token: the node needs no IAM permission. */
    WEB_IDENTITY("web-identity"),
    /** The node's credentials call AssumeRole with per-pod session tags. */
    ASSUME_ROLE("assume-role");

    private final String flagValue;

    CredentialSourceKind(String flagValue) {
        this.flagValue = flagValue;
    }

    public String flagValue() {
        return flagValue;
    }

    public static CredentialSourceKind fromFlag(String value) {
        for (CredentialSourceKind k : values()) {
            if (k.flagValue.equals(value) || k.name().equalsIgnoreCase(value)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "--credential-source must be web-identity or assume-role, was '" + value + "'");
    }
}
