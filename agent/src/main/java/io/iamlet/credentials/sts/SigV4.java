package io.iamlet.credentials.sts;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for one POST of a form body, in the Authorization header: what STS's Query protocol needs
 * and nothing more (no query string, no chunked payloads, no presigning).
 *
 * <p>Signed headers: {@code content-type}, {@code host}, {@code x-amz-content-sha256}, {@code x-amz-date} and, for
 * session keys, {@code x-amz-security-token}: what the AWS SDK's SigV4 signer signs for the same request. Nothing here is logged: the canonical request carries the session token.
 */
final class SigV4 {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private SigV4() {
    }

    /**
     * The headers to send with the request, the given ones plus {@code x-amz-content-sha256}, {@code x-amz-date},
     * {@code x-amz-security-token}
     * (session keys) and {@code Authorization}; {@code host} is signed but left to the HTTP client to send.
     *
     * @param headers lower-case names; values as sent
     */
    static Map<String, String> sign(String method, URI uri, Map<String, String> headers, byte[] body, AwsKeys keys,
                                    String region, String service, Instant now) {
        String amzDate = AMZ_DATE.format(now);
        String date = amzDate.substring(0, 8);
        String payloadHash = HEX.formatHex(sha256(body));
        TreeMap<String, String> signed = new TreeMap<>(headers);
        signed.put("host", host(uri));
        signed.put("x-amz-content-sha256", payloadHash);
        signed.put("x-amz-date", amzDate);
        if (keys.sessionToken() != null) {
            signed.put("x-amz-security-token", keys.sessionToken());
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        signed.forEach((name, value) -> canonicalHeaders.append(name).append(':')
                .append(value.strip().replaceAll(" +", " ")).append('\n'));
        String signedNames = String.join(";", signed.keySet());
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String canonicalRequest = method + '\n' + path + "\n\n" + canonicalHeaders + '\n' + signedNames + '\n'
                + payloadHash;
        String scope = date + '/' + region + '/' + service + "/aws4_request";
        String toSign = ALGORITHM + '\n' + amzDate + '\n' + scope + '\n'
                + HEX.formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + keys.secretAccessKey()).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String signature = HEX.formatHex(hmac(key, toSign));
        signed.remove("host");
        signed.put("authorization", ALGORITHM + " Credential=" + keys.accessKeyId() + '/' + scope
                + ", SignedHeaders=" + signedNames + ", Signature=" + signature);
        return signed;
    }

    /**
     * The Host header the HTTP client sends, exactly (the JDK client sends the URI's host as written, and STS signs
     * the header it receives): the port only when it is not the scheme's default.
     */
    static String host(URI uri) {
        String host = uri.getHost();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || port == 443 && "https".equalsIgnoreCase(uri.getScheme())
                || port == 80 && "http".equalsIgnoreCase(uri.getScheme());
        return defaultPort ? host : host + ':' + port;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
