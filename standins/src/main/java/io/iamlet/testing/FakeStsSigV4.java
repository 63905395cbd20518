package io.iamlet.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies an AWS Signature Version 4 {@code Authorization} header the way STS does: recomputes the canonical
 * request from what arrived, the string to sign and the signature with the secret of the claimed access key id.
 * Plain JDK, no SDK, so FakeSts stays dependency-light.
 */
final class FakeStsSigV4 {

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256\\s+Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,\\s*"
                    + "SignedHeaders=([^,]+),\\s*Signature=([0-9a-f]{64})");

    /** The outcome: the access key id that signed, or the STS error to answer. */
    record Result(String accessKeyId, String errorCode, String message) {
        boolean ok() {
            return errorCode == null;
        }

        static Result error(String code, String message) {
            return new Result(null, code, message);
        }
    }

    private FakeStsSigV4() {
    }

    /**
     * @param headers  request headers by lower-case name, every value
     * @param secrets  access key id to secret, null when unknown
     */
    static Result verify(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                         byte[] body, Function<String, String> secrets) {
        String authorization = first(headers, "authorization");
        if (authorization == null) {
            return Result.error("MissingAuthenticationToken", "Request is missing Authentication Token");
        }
        Matcher m = AUTHORIZATION.matcher(authorization.trim());
        if (!m.matches()) {
            return Result.error("IncompleteSignature", "Authorization header is not a SigV4 header");
        }
        String accessKeyId = m.group(1);
        String date = m.group(2);
        String region = m.group(3);
        String service = m.group(4);
        List<String> signedHeaders = Arrays.asList(m.group(5).split(";"));
        String signature = m.group(6);
        String secret = secrets.apply(accessKeyId);
        if (secret == null) {
            return Result.error("InvalidClientTokenId", "The security token included in the request is invalid.");
        }
        if (!service.equals("sts")) {
            return Result.error("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.");
        }
        String amzDate = first(headers, "x-amz-date");
        if (amzDate == null || !amzDate.startsWith(date) || !signedHeaders.contains("host")
                || !signedHeaders.contains("x-amz-date")) {
            return Result.error("IncompleteSignature", "x-amz-date and host must be present and signed");
        }
        String payloadHash = hex(sha256(body));
        String declared = first(headers, "x-amz-content-sha256");
        if (declared != null && !declared.equals(payloadHash)) {
            return Result.error("SignatureDoesNotMatch", "x-amz-content-sha256 does not match the body");
        }
        String canonical = String.join("\n", method, rawPath == null || rawPath.isEmpty() ? "/" : rawPath,
                canonicalQuery(rawQuery), canonicalHeaders(signedHeaders, headers), String.join(";", signedHeaders),
                payloadHash);
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String toSign = String.join("\n", "AWS4-HMAC-SHA256", amzDate, scope,
                hex(sha256(canonical.getBytes(StandardCharsets.UTF_8))));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String expected = hex(hmac(key, toSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            return Result.error("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                    + "signature you provided. Check your AWS Secret Access Key and signing method.");
        }
        return new Result(accessKeyId, null, null);
    }

    private static String canonicalHeaders(List<String> signed, Map<String, List<String>> headers) {
        StringBuilder sb = new StringBuilder();
        for (String name : signed) {
            List<String> values = headers.getOrDefault(name, List.of());
            List<String> cleaned = new ArrayList<>();
            for (String v : values) {
                cleaned.add(v.trim().replaceAll("\\s+", " "));
            }
            sb.append(name).append(':').append(String.join(",", cleaned)).append('\n');
        }
        return sb.toString();
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        return Arrays.stream(rawQuery.split("&")).map(p -> p.contains("=") ? p : p + "=").sorted()
                .reduce((a, b) -> a + "&" + b).orElse("");
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
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

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
