package dev.panio.demo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The byte scans of {@link HttpParser} and {@link ChunkedDecoder}: line ends, field lines,
 * request-target bytes. The long ones look at eight bytes at a time (one {@code long}) with
 * the classic test {@code (x - n * 0x01..) & ~x & 0x80..}, which flags every byte of {@code x}
 * below {@code n} (n &le; 0x80; n = 1 finds zero bytes, and {@code x = w ^ c * 0x01..} the
 * bytes equal to {@code c}). A borrow can flag a byte above a flagged one, never a byte below:
 * whether any byte is flagged, and which is the lowest, are exact, and that is all these
 * scans use. Each answers exactly as its byte-by-byte rule does ({@code HttpScansTest}).
 */
final class HttpScans {
    private HttpScans() {}

    static final int NEED = -1, BARE_LF = -2, BARE_CR = -3, TOO_LONG = -4;
    static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L, HIGH_BITS = 0x8080808080808080L;

    /** The word test: the top bit of each byte of {@code x} below {@code n} (1 &le; n &le; 0x80) set, see above. */
    private static long below(long x, int n) {
        return (x - n * ONES) & ~x;
    }

    /**
     * The index of the CR of the CRLF that ends the line at {@code pos}, or {@link #NEED} (not
     * complete within {@code to}), {@link #BARE_LF} / {@link #BARE_CR} (a line ending RFC 9112
     * does not allow, here refused), {@link #TOO_LONG} (no end before {@code limit}).
     */
    static int lineEnd(byte[] b, int pos, int to, int limit) {
        int end = Math.min(to, limit);
        int i = pos;
        // Eight bytes at a time to the first CR or LF (the byte loop below decides what it is):
        // the lowest byte flagged by the zero-byte test is exact, whatever the borrows above it.
        for (; i + 8 <= end; i += 8) {
            long w = (long) LONGS.get(b, i);
            long cr = w ^ '\r' * ONES, lf = w ^ '\n' * ONES;
            long found = (below(cr, 1) | below(lf, 1)) & HIGH_BITS;
            if (found != 0) {
                i += Long.numberOfTrailingZeros(found) >>> 3;
                break;
            }
        }
        for (; i < end; i++) {
            byte c = b[i];
            if (c == '\n') return BARE_LF;
            if (c == '\r') {
                // The whole line, CRLF included, must end before the limit: decided without
                // looking past it, so the answer is the same however the bytes arrive.
                if (i + 1 >= limit) return TOO_LONG;
                if (i + 1 >= to) return NEED;
                return b[i + 1] == '\n' ? i : BARE_CR;
            }
        }
        return end == limit && to >= limit ? TOO_LONG : NEED;
    }

    /**
     * Checks a field line {@code [pos, end)}: {@code token ":" OWS value OWS}, the value of
     * VCHAR, obs-text, SP, HTAB. Returns the colon's index, or -1.
     */
    static int fieldLine(byte[] b, int pos, int end) {
        int colon = -1;
        for (int i = pos; i < end; i++) {
            if (b[i] == ':') {
                colon = i;
                break;
            }
            if (!tchar(b[i])) return -1; // includes whitespace before the colon and obs-fold
        }
        if (colon <= pos) return -1;
        int i = colon + 1;
        // Eight bytes at a time while none is a control (below 0x20, or DEL): an HTAB, or a
        // byte to refuse, sends the rest of the line to the byte loop. The test flags a byte
        // below 0x20 (SP is allowed here, unlike in visibleEnd) and never one of 0x80-0xFF,
        // whose top bit ~w clears: obs-text is allowed.
        for (; i + 8 <= end; i += 8) {
            long w = (long) LONGS.get(b, i), del = w ^ 0x7F * ONES;
            if (((below(w, 0x20) | below(del, 1)) & HIGH_BITS) != 0) break;
        }
        for (; i < end; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\t' || c == 0x7f) return -1; // obs-text (0x80-0xFF) is allowed
        }
        return colon;
    }

    /** The index of the first byte in {@code [i, end)} that is not visible ASCII (0x21-0x7E), or {@code end}. */
    static int visibleEnd(byte[] b, int i, int end) {
        // Eight bytes at a time: a byte below 0x21, at or above 0x80, or DEL is flagged; the
        // lowest flag is exact, as in lineEnd.
        for (; i + 8 <= end; i += 8) {
            long w = (long) LONGS.get(b, i), del = w ^ 0x7F * ONES;
            long found = (below(w, 0x21) | w | below(del, 1)) & HIGH_BITS;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        for (; i < end; i++) {
            int c = b[i] & 0xff;
            if (c <= 0x20 || c >= 0x7f) return i;
        }
        return end;
    }

    /** The index of the first '?' or '#' in {@code [i, end)}, or {@code end}. */
    static int queryOrFragment(byte[] b, int i, int end) {
        for (; i + 8 <= end; i += 8) { // eight at a time; the lowest flag is exact, as in lineEnd
            long w = (long) LONGS.get(b, i), q = w ^ '?' * ONES, h = w ^ '#' * ONES;
            long found = (below(q, 1) | below(h, 1)) & HIGH_BITS;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        while (i < end && b[i] != '?' && b[i] != '#') i++;
        return i;
    }

    private static final boolean[] TCHAR = asciiTable("!#$%&'*+-.^_`|~");

    /** A table of the ASCII letters, digits and {@code extra}, by byte value. */
    static boolean[] asciiTable(String extra) {
        boolean[] t = new boolean[128];
        for (int c = '0'; c <= '9'; c++) t[c] = true;
        for (int c = 'a'; c <= 'z'; c++) t[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) t[c] = true;
        for (char c : extra.toCharArray()) t[c] = true;
        return t;
    }

    static boolean tchar(byte c) {
        return c >= 0 && TCHAR[c];
    }
}
