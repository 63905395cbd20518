package io.iamlet.testing;

import io.fabric8.mockwebserver.http.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The UTF-8 body of a list answer, written item by item into one array sized from the first generated item, so a
 * list of tens of thousands of pods costs its own size once more (the mock server's {@link Buffer} copy) rather
 * than the several growing copies of a StringBuilder, its String and their bytes; and refuses a list that would
 * exhaust the heap rather than let the stand-ins die of it.
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

    /**
     * Appends one item of a run of {@code remaining} similar ones (this one included): sizes the array for them.
     *
     * @throws TooLarge when the whole body would not fit the heap: it is held about three times over (this array,
     *                  the mock server's buffer and its copy for Vert.x), and running out kills the process
     */
    void item(String json, long remaining) {
        if (!sized) {
            sized = true;
            long expected = count + remaining * (json.length() + json.length() / 50 + 1L) + END.length;
            Runtime heap = Runtime.getRuntime();
            long available = heap.maxMemory() - (heap.totalMemory() - heap.freeMemory());
            if (expected >= Integer.MAX_VALUE - 16 || 3 * expected > available) {
                throw new TooLarge(remaining, expected, heap.maxMemory());
            }
            if (expected > buf.length) {
                buf = Arrays.copyOf(buf, (int) expected);
            }
        }
        item(json);
    }

    /** The finished body, copied once into the mock server's buffer. */
    Buffer finish() {
        writeBytes(END);
        return new Buffer().write(buf, 0, count);
    }

    /** A list answer that would not fit the stand-ins' heap. */
    static final class TooLarge extends RuntimeException {
        TooLarge(long items, long bytes, long maxHeap) {
            super("a list of " + items + " generated items (about " + (bytes >> 20) + " MiB) does not fit the"
                    + " stand-ins' heap (" + (maxHeap >> 20) + " MiB; it needs about three times the list): page"
                    + " it with limit/continue, or start the stand-ins with IAMLET_JAVA_OPTS=-Xmx1g");
        }
    }
}
