package io.iamlet.credentials.sts;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads STS's Query-protocol XML with the JDK's StAX parser, hardened: no DTD (a document that declares one is
 * refused), no external entities, no entity expansion beyond the five predefined ones. Bodies are capped before
 * they get here ({@link StsClient#MAX_BODY}).
 *
 * <p>Elements are read by their path under the root, ignoring namespaces; unknown elements are skipped.
 */
final class StsXml {

    private static final XMLInputFactory FACTORY = factory();

    private StsXml() {
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, true);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        return f;
    }

    /** A 2xx body. */
    static StsResponse success(byte[] body) {
        Map<String, String> v = leaves(body);
        String key = v.get("Result/Credentials/AccessKeyId");
        String secret = v.get("Result/Credentials/SecretAccessKey");
        AwsKeys credentials = null;
        if (key != null && secret != null && !key.isBlank() && !secret.isBlank()) {
            String expiration = v.get("Result/Credentials/Expiration");
            credentials = new AwsKeys(key, secret, v.get("Result/Credentials/SessionToken"),
                    expiration == null ? null : instant(expiration));
        }
        String arn = v.getOrDefault("Result/AssumedRoleUser/Arn", v.get("Result/Arn"));
        return new StsResponse(credentials, arn, v.get("Result/Account"), v.get("ResponseMetadata/RequestId"));
    }

    /** A non-2xx body: STS's {@code ErrorResponse}, or anything else (a proxy's page), which has no code. */
    static StsServiceException error(int status, byte[] body) {
        Map<String, String> v;
        try {
            v = leaves(body);
        } catch (StsTransportException e) {
            v = Map.of();
        }
        String requestId = v.getOrDefault("RequestId", v.get("ResponseMetadata/RequestId"));
        return new StsServiceException(status, blankToNull(v.get("Error/Code")), v.get("Error/Message"), requestId);
    }

    /**
     * Text of each leaf element by its path below the root, with the first step's {@code ...Result} suffix
     * shortened to {@code Result} (so {@code AssumeRoleResult/Credentials/AccessKeyId} is
     * {@code Result/Credentials/AccessKeyId}).
     */
    private static Map<String, String> leaves(byte[] body) {
        Map<String, String> values = new HashMap<>();
        XMLStreamReader r = null;
        try {
            r = FACTORY.createXMLStreamReader(new ByteArrayInputStream(body));
            StringBuilder path = new StringBuilder();
            StringBuilder text = new StringBuilder();
            int depth = 0;
            boolean root = false;
            while (r.hasNext()) {
                switch (r.next()) {
                    case XMLStreamConstants.DTD -> throw new StsTransportException("STS answer declares a DTD");
                    case XMLStreamConstants.ENTITY_REFERENCE ->
                            throw new StsTransportException("STS answer references an entity");
                    case XMLStreamConstants.START_ELEMENT -> {
                        depth++;
                        text.setLength(0);
                        if (depth == 1) {
                            root = true;
                            continue;
                        }
                        String name = r.getLocalName();
                        if (depth == 2 && name.endsWith("Result")) {
                            name = "Result";
                        }
                        if (depth > 2) {
                            path.append('/');
                        }
                        path.append(name);
                    }
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> text.append(r.getText());
                    case XMLStreamConstants.END_ELEMENT -> {
                        if (depth > 1) {
                            values.putIfAbsent(path.toString(), text.toString().strip());
                            int slash = path.lastIndexOf("/");
                            path.setLength(Math.max(slash, 0));
                        }
                        text.setLength(0);
                        depth--;
                    }
                    default -> {
                    }
                }
            }
            if (!root) {
                throw new StsTransportException("STS answer is not XML");
            }
            return values;
        } catch (XMLStreamException | RuntimeException e) {
            if (e instanceof StsTransportException s) {
                throw s;
            }
            throw new StsTransportException("STS answer is not well-formed XML", null);
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // nothing held
                }
            }
        }
    }

    private static Instant instant(String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new StsTransportException("STS answer has an unreadable Expiration", null);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
