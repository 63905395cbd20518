package io.iamlet.credentials;

/**
 * The JDK's HTTP clients refuse Basic authentication to a proxy while setting up an HTTPS tunnel unless
 * {@code jdk.http.auth.tunneling.disabledSchemes} says otherwise (its default, "Basic", dates from JDK 8u111 and
 * guards against sending a password in clear to a proxy). A proxy URL with credentials in {@code HTTPS_PROXY} asks
 * for exactly that, as curl and the AWS SDK do it, so the property is cleared when the operator has not set it.
 */
final class ProxyTunnelAuth {

    static final String PROPERTY = "jdk.http.auth.tunneling.disabledSchemes";

    private ProxyTunnelAuth() {
    }

    static void allowBasic() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "");
        }
    }
}
