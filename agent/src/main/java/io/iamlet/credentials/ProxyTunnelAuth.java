package io.iamlet.credentials;

/**
 * The JDK's HTTP clients refuse Basic authentication to a proxy while setting up an HTTPS tunnel unless
 * {@code jdk.http.auth.tunneling.disabledSchemes} says otherwise (its default, "Basic", dates from JDK 8u111 and
 * guards against sending a password in clear to a proxy). A proxy URL with credentials in {@code HTTPS_PROXY} asks
 * for exactly that, as curl and the AWS SDK do it, so the property is cleared when the operator has not set it.
 *
 * <p>The JDK reads the property once, when its HTTP internals first initialise (any JDK HTTP client in the process:
 * the metadata proxy's, a Kubernetes client on the JDK transport). {@link StsClients} therefore calls
 * {@link #allowBasicIfProxyHasCredentials} from its static initialiser, which {@code iamlet serve} runs first of all
 * (reading {@code AWS_REGION}); setting it later only helps if nothing has initialised them yet.
 */
final class ProxyTunnelAuth {

    static final String PROPERTY = "jdk.http.auth.tunneling.disabledSchemes";

    private ProxyTunnelAuth() {
    }

    /** At start: when HTTPS_PROXY names a user, allow Basic for the tunnel (unless the operator set the property). */
    static void allowBasicIfProxyHasCredentials(java.util.Map<String, String> env) {
        for (String name : new String[] {"https_proxy", "HTTPS_PROXY"}) {
            String value = env.get(name);
            if (value != null && value.contains("@")) {
                allowBasic();
                return;
            }
        }
    }

    static void allowBasic() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "");
        }
    }
}
