package io.iamlet.server;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import java.nio.charset.StandardCharsets;

/**
 * Netty's rule for a request's header values (RFC 9110's field-value: no control character but HTAB, no DEL, and
 * no leading whitespace), checked over the value's bytes.
 *
 * <p>Why not Netty's own validator: it reads a {@link String} value through {@link CharSequence#charAt}, which C1
 * (the image's only JIT) does not inline, and the ~1 KB token of every container request made that 6 % of the
 * agent's CPU under load. The decoder's values are Latin-1 strings, so their ISO-8859-1 bytes are their characters;
 * copying them out is one array copy, and a loop over an array is what C1 compiles well. A character above U+00FF
 * becomes {@code '?'}, which the rule accepts as it accepts that character, so the answer is Netty's for every
 * string (a test checks this against {@link HttpHeaderValidationUtil} on random strings).
 */
final class HeaderValueRule implements DefaultHeaders.ValueValidator<CharSequence> {

    static final HeaderValueRule INSTANCE = new HeaderValueRule();

    private HeaderValueRule() {
    }

    @Override
    public void validate(CharSequence value) {
        int index = firstProhibited(value);
        if (index >= 0) {
            throw new IllegalArgumentException("a header value contains prohibited character 0x"
                    + Integer.toHexString(value.charAt(index)) + " at index " + index + '.');
        }
    }

    /** The index of the first character the rule refuses, or -1 when the value is valid. */
    static int firstProhibited(CharSequence value) {
        if (!(value instanceof String text)) {
            return HttpHeaderValidationUtil.validateValidHeaderValue(value);
        }
        if (text.isEmpty()) {
            return -1;
        }
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length != text.length()) {
            // a surrogate pair became one '?': indexes would drift, so take the slow path (never from the decoder)
            return HttpHeaderValidationUtil.validateValidHeaderValue(value);
        }
        int first = bytes[0] & 0xff;
        if (first < 0x21 || first == 0x7f) {
            return 0;
        }
        for (int i = 1; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return i;
            }
        }
        return -1;
    }
}
