package io.iamlet.credentials;

import java.util.Objects;

/**
 * Who credentials are for: the role and the workload asking for it. The web-identity token, when present, is the
 * caller's own projected token, needed by the web-identity source; {@link #toString()} never shows it.
 */
public record Identity(
        String roleArn,
        String namespace,
        String serviceAccount,
        String podName,
        String podUid,
        WebIdentityToken token) {

    public Identity {
        Objects.requireNonNull(roleArn, "roleArn");
        Objects.requireNonNull(namespace, "namespace");
    }

    /** A token that never prints. */
    public record WebIdentityToken(String value) {
        public WebIdentityToken {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "WebIdentityToken[redacted]";
        }
    }
}
