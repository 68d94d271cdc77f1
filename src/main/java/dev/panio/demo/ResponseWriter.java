package dev.panio.demo;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Builds HTTP/1.1 responses in a reusable array, one after another (the answers to
 * pipelined requests go out in one write): the status line and fixed
 * headers are pre-encoded bytes, numbers are written digit by digit, and the Date header
 * is re-encoded once a second, so a response costs no allocation once the array has grown
 * to the largest one seen. Belongs to one thread.
 */
final class ResponseWriter {
    private byte[] buf = new byte[2048];
    private MemorySegment segment = MemorySegment.ofArray(buf);
    private int len;

    private static volatile byte[] date = httpDate();
    private static volatile long dateSecond;

    /** Starts a response after those already built: status line, Server, Date, Content-Type and Content-Length. */
    ResponseWriter start(int status, byte[] contentType, long contentLength) {
        byte[] d = currentDate();
        put(statusLine(status));
        put(SERVER_DATE);
        put(d);
        put(CONTENT_TYPE);
        put(contentType);
        put(CONTENT_LENGTH);
        putNumber(contentLength);
        put(CRLF);
        return this;
    }

    /** The last {@link #okKeepAlive} response whole, and what it was built from (compared by identity). */
    private byte[] cached, cachedDate, cachedType, cachedBody;

    /**
     * A whole {@code 200} response with {@code body}, for an HTTP/1.1 keep-alive request: the
     * same bytes as {@code start(200, type, body.length).endHeaders(false).body(body, 0,
     * body.length)}, copied in one piece from the last such response while its date, type
     * and body are the same arrays (ten small copies were a fifth of the work per pipelined
     * request).
     */
    ResponseWriter okKeepAlive(byte[] type, byte[] body) {
        byte[] d = currentDate();
        if (d == cachedDate && type == cachedType && body == cachedBody) {
            put(cached);
            return this;
        }
        int from = len;
        start(200, type, body.length).endHeaders(false).body(body, 0, body.length);
        cached = java.util.Arrays.copyOfRange(buf, from, len);
        cachedDate = d;
        cachedType = type;
        cachedBody = body;
        return this;
    }

    /** Starts a response whose body follows in chunks ({@link #chunk}, {@link #lastChunk}). */
    ResponseWriter startChunked(int status, byte[] contentType) {
        byte[] d = currentDate();
        put(statusLine(status));
        put(SERVER_DATE);
        put(d);
        put(CONTENT_TYPE);
        put(contentType);
        put(TRANSFER_ENCODING_CHUNKED);
        return this;
    }

    /** One chunk of a chunked body. */
    ResponseWriter chunk(byte[] b, int from, int n) {
        if (n == 0) return this; // a zero-size chunk would end the body
        putHex(n);
        put(CRLF);
        body(b, from, n);
        put(CRLF);
        return this;
    }

    /** The end of a chunked body (no trailers). */
    ResponseWriter lastChunk() {
        put(LAST_CHUNK);
        return this;
    }

    private void putHex(int v) {
        String h = Integer.toHexString(v); // small; allocation here only for chunked echoes
        for (int i = 0; i < h.length(); i++) {
            ensure(1);
            buf[len++] = (byte) h.charAt(i);
        }
    }

    /** Adds a pre-encoded header line (ending in CRLF). */
    ResponseWriter header(byte[] line) {
        put(line);
        return this;
    }

    /** Ends the header section, with {@code Connection: close} if asked. */
    ResponseWriter endHeaders(boolean close) {
        return endHeaders(close, false);
    }

    /**
     * Ends the header section with {@code Connection: close}, or with {@code Connection:
     * keep-alive} when {@code announceKeepAlive} (an HTTP/1.0 client keeps the connection only
     * if the response says so, RFC 9112 §9.3).
     */
    ResponseWriter endHeaders(boolean close, boolean announceKeepAlive) {
        if (close) put(CONNECTION_CLOSE);
        else if (announceKeepAlive) put(CONNECTION_KEEP_ALIVE);
        put(CRLF);
        return this;
    }

    /** An interim {@code 100 Continue} (no headers). */
    ResponseWriter continue100() {
        put(CONTINUE_100);
        return this;
    }

    ResponseWriter body(byte[] b, int from, int n) {
        ensure(n);
        System.arraycopy(b, from, buf, len, n);
        len += n;
        return this;
    }

    /**
     * Writes the responses built so far to {@code c} (which copies what it cannot send at
     * once) and empties the writer; the result of {@link dev.panio.reactor.Connection#write}.
     */
    boolean writeTo(dev.panio.reactor.Connection c) {
        if (len == 0) return c.isWritable();
        int n = len;
        len = 0;
        dated = false;
        return c.write(segment, 0, n);
    }

    /**
     * Writes the responses built so far to {@code s} through {@code staging} (off-heap memory
     * of the caller's: heap memory would be staged through a buffer per thread, which on a
     * virtual thread means per connection), each wait for room lasting at most
     * {@code timeoutNanos}; empties the writer.
     */
    void writeTo(dev.panio.net.Socket s, MemorySegment staging, long timeoutNanos) throws java.io.IOException {
        int total = len;
        len = 0;
        dated = false;
        for (int at = 0; at < total; ) {
            int n = (int) Math.min(total - at, staging.byteSize());
            MemorySegment.copy(buf, at, staging, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, n);
            dev.panio.coroutine.Blocking.write(s, staging.asSlice(0, n), timeoutNanos);
            at += n;
        }
    }

    /** Forgets what was built (for a benchmark that does not write). */
    void reset() {
        len = 0;
        dated = false;
    }

    int length() {
        return len;
    }

    private void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void putNumber(long v) {
        ensure(20);
        if (v == 0) {
            buf[len++] = '0';
            return;
        }
        int digits = 0;
        for (long x = v; x > 0; x /= 10) digits++;
        for (int i = len + digits - 1; i >= len; i--, v /= 10) buf[i] = (byte) ('0' + v % 10);
        len += digits;
    }

    private void ensure(int more) {
        if (len + more <= buf.length) return;
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        segment = MemorySegment.ofArray(buf);
    }

    /** The date of the responses in the array now: read from the clock by the first of them. */
    private byte[] batchDate = date;
    /** Whether {@link #batchDate} belongs to the responses in the array now (cleared when it empties). */
    private boolean dated;

    /**
     * The Date header's value: the clock is read for the first response built since the array
     * was last written out, and the responses gathered behind it (pipelined requests answered by one write)
     * share its date. A clock read per response was 5% of the server's CPU under pipelining.
     */
    private byte[] currentDate() {
        if (dated) return batchDate;
        dated = true;
        long s = System.currentTimeMillis() / 1000;
        if (s != dateSecond) {
            date = httpDate();
            dateSecond = s;
        }
        return batchDate = date;
    }

    private static byte[] httpDate() {
        return ascii(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 417 -> "Expectation Failed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    private static final int[] STATUSES = {200, 400, 403, 404, 405, 408, 413, 414, 417, 431, 500, 501, 505};
    private static final byte[][] STATUS_LINES = new byte[600][];

    static {
        for (int s : STATUSES) STATUS_LINES[s] = ascii("HTTP/1.1 " + s + " " + reason(s) + "\r\n");
    }

    private static byte[] statusLine(int status) {
        byte[] line = status >= 0 && status < STATUS_LINES.length ? STATUS_LINES[status] : null;
        if (line == null) throw new IllegalArgumentException("no status line for " + status);
        return line;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] SERVER_DATE = ascii("Server: panio\r\nDate: "), CONTENT_TYPE = ascii("\r\nContent-Type: "),
            CONTENT_LENGTH = ascii("\r\nContent-Length: "), CRLF = ascii("\r\n"), CONNECTION_CLOSE = ascii("Connection: close\r\n"),
            CONNECTION_KEEP_ALIVE = ascii("Connection: keep-alive\r\n"), CONTINUE_100 = ascii("HTTP/1.1 100 Continue\r\n\r\n"),
            TRANSFER_ENCODING_CHUNKED = ascii("\r\nTransfer-Encoding: chunked\r\n"), LAST_CHUNK = ascii("0\r\n\r\n");
}
