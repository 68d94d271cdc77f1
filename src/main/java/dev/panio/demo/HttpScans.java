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
            long cr = w ^ 0x0D0D0D0D0D0D0D0DL, lf = w ^ 0x0A0A0A0A0A0A0A0AL;
            long found = ((cr - 0x0101010101010101L) & ~cr | (lf - 0x0101010101010101L) & ~lf) & 0x8080808080808080L;
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
            long w = (long) LONGS.get(b, i), del = w ^ 0x7F7F7F7F7F7F7F7FL;
            if (((((w - 0x2020202020202020L) & ~w) | ((del - 0x0101010101010101L) & ~del)) & 0x8080808080808080L) != 0) break;
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
            long w = (long) LONGS.get(b, i), del = w ^ 0x7F7F7F7F7F7F7F7FL;
            long found = (((w - 0x2121212121212121L) & ~w) | w | ((del - 0x0101010101010101L) & ~del)) & 0x8080808080808080L;
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
            long w = (long) LONGS.get(b, i), q = w ^ 0x3F3F3F3F3F3F3F3FL, h = w ^ 0x2323232323232323L;
            long found = (((q - 0x0101010101010101L) & ~q) | ((h - 0x0101010101010101L) & ~h)) & 0x8080808080808080L;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        while (i < end && b[i] != '?' && b[i] != '#') i++;
        return i;
    }

    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (int c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
    }

    static boolean tchar(byte c) {
        return c >= 0 && TCHAR[c];
    }
}
