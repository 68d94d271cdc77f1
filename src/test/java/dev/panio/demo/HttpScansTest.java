package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser's scans that look at eight bytes at a time ({@link HttpScans#lineEnd},
 * {@link HttpScans#visibleEnd}, {@link HttpScans#queryOrFragment},
 * {@link HttpScans#fieldLine}) must answer exactly as the plain byte-by-byte rule does,
 * wherever the bytes they look for fall relative to the eight-byte steps, the end of the
 * bytes and the limit.
 */
class HttpScansTest {
    /** The rule, one byte at a time. */
    private static int reference(byte[] b, int pos, int to, int limit) {
        int end = Math.min(to, limit);
        for (int i = pos; i < end; i++) {
            if (b[i] == '\n') return HttpScans.BARE_LF;
            if (b[i] == '\r') {
                if (i + 1 >= limit) return HttpScans.TOO_LONG;
                if (i + 1 >= to) return HttpScans.NEED;
                return b[i + 1] == '\n' ? i : HttpScans.BARE_CR;
            }
        }
        return end == limit && to >= limit ? HttpScans.TOO_LONG : HttpScans.NEED;
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
            assertEquals(reference(b, pos, to, limit), HttpScans.lineEnd(b, pos, to, limit),
                    () -> "pos " + pos + " to " + to + " limit " + limit + " in " + java.util.Arrays.toString(b));
        }
    }

    /** Random bytes, mostly visible ASCII, with the interesting ones sprinkled at any offset. */
    private static byte[] randomLine(Random r, byte[] alphabet) {
        byte[] b = new byte[1 + r.nextInt(40)];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextInt(6) == 0 ? alphabet[r.nextInt(alphabet.length)] : (byte) ('!' + r.nextInt(90));
        }
        return b;
    }

    private static final byte[] EDGES = {' ', '!', '~', 0x7f, (byte) 0x80, (byte) 0xff, 0, '\t', '\r', '\n', 0x1f, 0x20,
        '?', '#', ':', (byte) 0xbf, (byte) 0xa3, (byte) 0x9f, 0x21, 0x22, 0x3e, 0x40, 0x7e};

    @Test
    void visibleEndAnswersAsTheByteRule() {
        Random r = new Random(17);
        for (int round = 0; round < 200_000; round++) {
            byte[] b = randomLine(r, EDGES);
            int from = r.nextInt(b.length), end = from + r.nextInt(b.length - from + 1);
            int expected = end;
            for (int i = from; i < end; i++) {
                int c = b[i] & 0xff;
                if (c <= 0x20 || c >= 0x7f) {
                    expected = i;
                    break;
                }
            }
            assertEquals(expected, HttpScans.visibleEnd(b, from, end), () -> java.util.Arrays.toString(b));
        }
    }

    @Test
    void queryOrFragmentAnswersAsTheByteRule() {
        Random r = new Random(18);
        for (int round = 0; round < 200_000; round++) {
            byte[] b = randomLine(r, EDGES);
            int from = r.nextInt(b.length), end = from + r.nextInt(b.length - from + 1);
            int expected = from;
            while (expected < end && b[expected] != '?' && b[expected] != '#') expected++;
            assertEquals(expected, HttpScans.queryOrFragment(b, from, end), () -> java.util.Arrays.toString(b));
        }
    }

    @Test
    void fieldLineAnswersAsTheByteRule() {
        Random r = new Random(19);
        for (int round = 0; round < 200_000; round++) {
            byte[] b = randomLine(r, EDGES);
            if (r.nextBoolean()) b[r.nextInt(Math.min(b.length, 6))] = ':'; // a colon early, so values get checked
            int from = r.nextInt(b.length), end = from + r.nextInt(b.length - from + 1);
            int colon = -1, expected;
            for (int i = from; i < end; i++) {
                if (b[i] == ':') {
                    colon = i;
                    break;
                }
                if (!HttpScans.tchar(b[i])) break;
            }
            expected = colon > from ? colon : -1;
            if (expected > 0) {
                for (int i = colon + 1; i < end; i++) {
                    int c = b[i] & 0xff;
                    if (c < 0x20 && c != '\t' || c == 0x7f) {
                        expected = -1;
                        break;
                    }
                }
            }
            assertEquals(expected, HttpScans.fieldLine(b, from, end), () -> java.util.Arrays.toString(b));
        }
    }
}
