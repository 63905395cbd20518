package io.iamlet.credentials.sts;

/**
 * The call could not be made or its answer not read: connection refused or reset, TLS, proxy, an unreadable or
 * oversized body, or no keys to sign with. Messages never carry a body or a key.
 */
public class StsTransportException extends RuntimeException {

    public StsTransportException(String message, Throwable cause) {
        super(message, cause);
    }

    public StsTransportException(String message) {
        super(message);
    }
}
