package dev.panio.demo;

import java.util.Arrays;

/**
 * The field section (header lines and the blank line) of the last request an
 * {@link HttpParser} accepted, and what its fields said. Keep-alive clients send the same
 * header fields with every request (wrk, browsers, most API clients), so the next request's
 * section is usually the same bytes: {@link #match} recognises it with one vectorised
 * comparison instead of the checks of every line. Same bytes give the same parse, so nothing
 * is accepted that the checks would refuse, provided the copy is only used where the parse
 * would have read the same bytes: all of them there, ending within the header limit.
 *
 * <p>Sections longer than {@link #MAX} are not copied (their results are still held). The
 * array is allocated at the first section kept, then reused. One parser's, one thread.
 */
final class FieldSection {
    /** The longest section (blank line included) copied. */
    static final int MAX = 512;
    /** What the fields said, as {@link #flags} bits. */
    static final int CHUNKED = 1, HOST = 2, CLOSE = 4, KEEP_ALIVE = 8, EXPECT_CONTINUE = 16;

    private byte[] bytes = new byte[0];
    private int length = -1; // -1: nothing to match
    private long contentLength;
    private int flags;

    /**
     * The length of the kept section if {@code b} holds the same bytes at {@code from}, all
     * of them before {@code to} and ending at or before {@code limit}; else -1.
     */
    int match(byte[] b, int from, int to, int limit) {
        int n = length;
        return n > 0 && to - from >= n && from + n <= limit && Arrays.equals(b, from, from + n, bytes, 0, n) ? n : -1;
    }

    /** Keeps the section {@code b[from, to)} that just parsed without error, and what it said. */
    void keep(byte[] b, int from, int to, long contentLength, int flags) {
        this.contentLength = contentLength;
        this.flags = flags;
        int n = to - from;
        if (n > MAX) {
            length = -1;
            return;
        }
        if (bytes.length < n) bytes = new byte[Math.max(n, 64)];
        System.arraycopy(b, from, bytes, 0, n);
        length = n;
    }

    /** Content-Length of the kept section, -1 for none. */
    long contentLength() {
        return contentLength;
    }

    /** Whether the kept section said {@code flag} (one of the constants). */
    boolean has(int flag) {
        return (flags & flag) != 0;
    }
}
