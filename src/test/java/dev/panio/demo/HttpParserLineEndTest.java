package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpParser#lineEnd} scans eight bytes at a time; it must answer exactly as the plain
 * byte-by-byte scan does, wherever CR and LF fall relative to the eight-byte steps, the end of
 * the bytes and the limit.
 */
class HttpParserLineEndTest {
    /** The rule, one byte at a time. */
    private static int reference(byte[] b, int pos, int to, int limit) {
        int end = Math.min(to, limit);
        for (int i = pos; i < end; i++) {
            if (b[i] == '\n') return HttpParser.BARE_LF;
            if (b[i] == '\r') {
                if (i + 1 >= limit) return HttpParser.TOO_LONG;
                if (i + 1 >= to) return HttpParser.NEED;
                return b[i + 1] == '\n' ? i : HttpParser.BARE_CR;
            }
        }
        return end == limit && to >= limit ? HttpParser.TOO_LONG : HttpParser.NEED;
    }

    @Test
    void answersAsTheByteByByteScanOnRandomLines() {
        Random r = new Random(16);
        byte[] alphabet = {'a', ' ', '\r', '\n', (byte) 0x8d, (byte) 0x8a, 0x0c, 0x0e, (byte) 0xff, 0};
        for (int round = 0; round < 200_000; round++) {
            byte[] b = new byte[1 + r.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                // mostly ordinary bytes, so that CR and LF land at every offset of an 8-byte step
                b[i] = r.nextInt(6) == 0 ? alphabet[r.nextInt(alphabet.length)] : (byte) ('!' + r.nextInt(90));
            }
            int pos = r.nextInt(b.length);
            int to = pos + r.nextInt(b.length - pos + 1);
            int limit = pos + r.nextInt(b.length + 8);
            assertEquals(reference(b, pos, to, limit), HttpParser.lineEnd(b, pos, to, limit),
                    () -> "pos " + pos + " to " + to + " limit " + limit + " in " + java.util.Arrays.toString(b));
        }
    }
}
