package dev.panio.demo;

/**
 * A chunked body decoded as it arrives (RFC 9112 §7.1), with the same strict grammar as
 * {@link HttpParser}: CRLF line endings only, hex sizes, chunk extensions checked, trailer
 * fields parsed as field lines and ignored. {@link #decode} takes what is available, hands
 * the data to a sink as it goes and says where it stopped; a line that is not complete yet
 * is left for the next call. One body at a time; {@link #reset()} before the next.
 */
final class ChunkedDecoder {
    static final int NEED_MORE = 0, DONE = 1, ERROR = 2, PAUSED = 3;

    /** Receives decoded body bytes; returns false to pause decoding (backpressure). */
    interface Sink {
        boolean data(byte[] b, int from, int n);
    }

    private static final int SIZE = 0, DATA = 1, DATA_END = 2, TRAILER = 3;
    private int state;
    private long remaining;
    private int trailerBytes;
    private long total;
    /** Where the last {@link #decode} stopped. */
    int at;

    void reset() {
        state = SIZE;
        remaining = 0;
        trailerBytes = 0;
        total = 0;
    }

    /** Decoded body bytes so far. */
    long total() {
        return total;
    }

    /**
     * Decodes {@code b[from, to)}: DONE at the end of the trailer section ({@link #at} is
     * the next request's start), NEED_MORE when the bytes run out, PAUSED when the sink asked
     * to stop, ERROR for malformed input.
     */
    int decode(byte[] b, int from, int to, Sink sink) {
        int pos = from;
        for (;;) {
            at = pos;
            switch (state) {
                case SIZE -> {
                    int end = HttpScans.lineEnd(b, pos, to, pos + HttpParser.MAX_CHUNK_LINE);
                    if (end == HttpScans.NEED) return NEED_MORE;
                    if (end < 0) return ERROR;
                    int d = pos;
                    long n = 0;
                    while (d < end && HttpParser.hex(b[d]) >= 0) {
                        if (n > (Long.MAX_VALUE >>> 4) - 16) return ERROR;
                        n = n * 16 + HttpParser.hex(b[d++]);
                    }
                    if (d == pos || !HttpParser.chunkExtensions(b, d, end)) return ERROR;
                    pos = end + 2;
                    remaining = n;
                    state = n == 0 ? TRAILER : DATA;
                }
                case DATA -> {
                    if (pos == to) return NEED_MORE;
                    int n = (int) Math.min(remaining, to - pos);
                    boolean go = sink.data(b, pos, n);
                    pos += n;
                    remaining -= n;
                    total += n;
                    if (remaining == 0) state = DATA_END;
                    if (!go) {
                        at = pos;
                        return PAUSED;
                    }
                }
                case DATA_END -> {
                    if (to - pos < 2) return NEED_MORE;
                    if (b[pos] != '\r' || b[pos + 1] != '\n') return ERROR;
                    pos += 2;
                    state = SIZE;
                }
                default -> { // TRAILER: field lines up to an empty line
                    int end = HttpScans.lineEnd(b, pos, to, pos + HttpParser.MAX_HEADER_BYTES - trailerBytes);
                    if (end == HttpScans.NEED) return NEED_MORE;
                    if (end < 0) return ERROR;
                    if (end == pos) {
                        at = end + 2;
                        return DONE;
                    }
                    if (HttpScans.fieldLine(b, pos, end) < 0) return ERROR;
                    trailerBytes += end + 2 - pos;
                    pos = end + 2;
                }
            }
        }
    }
}
