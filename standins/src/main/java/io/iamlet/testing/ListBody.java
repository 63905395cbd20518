package io.iamlet.testing;

import io.fabric8.mockwebserver.http.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The UTF-8 body of a list answer, written item by item into one array sized from the first generated item, so a
 * list of tens of thousands of pods costs its own size once more (the mock server's {@link Buffer} copy) rather
 * than the several growing copies of a StringBuilder, its String and their bytes.
 */
final class ListBody extends ByteArrayOutputStream {

    private static final byte[] END = "]}".getBytes(StandardCharsets.US_ASCII);

    private boolean first = true;
    private boolean sized;

    ListBody(String head) {
        super(4096);
        writeBytes(head.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends one item's JSON. */
    void item(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (!first) {
            write(',');
        }
        first = false;
        writeBytes(bytes);
    }

    /** Appends one item of a run of {@code remaining} similar ones (this one included): sizes the array for them. */
    void item(String json, long remaining) {
        if (!sized) {
            sized = true;
            long expected = count + remaining * (json.length() + json.length() / 50 + 1L) + END.length;
            if (expected > buf.length && expected < Integer.MAX_VALUE - 16) {
                buf = java.util.Arrays.copyOf(buf, (int) expected);
            }
        }
        item(json);
    }

    /** The finished body, copied once into the mock server's buffer. */
    Buffer finish() {
        writeBytes(END);
        return new Buffer().write(buf, 0, count);
    }
}
