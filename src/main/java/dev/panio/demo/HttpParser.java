package dev.panio.demo;

import java.nio.charset.StandardCharsets;

/**
 * An incremental HTTP/1.1 request parser (RFC 9112) over bytes that arrive split anywhere.
 * {@link #parse} either needs more bytes, yields one complete request (then
 * {@link #consumed()} bytes can be dropped), or names the status that malformed input
 * deserves. It accepts only what the RFC allows, and refuses the request-smuggling shapes:
 * Content-Length together with Transfer-Encoding, differing duplicate Content-Lengths,
 * Transfer-Encoding other than chunked, obsolete line folding.
 *
 * <p>Allocation-free in steady state: the request is described by offsets into the caller's
 * array (method, target, body), compared as bytes; only a chunked body is copied, into an
 * array the parser keeps and reuses.
 */
final class HttpParser {
    static final int NEED_MORE = 0, OK = 1, ERROR = 2;
    static final int MAX_HEADER_BYTES = 8 * 1024;
    static final int MAX_BODY_BYTES = 1 << 20;
    /** Methods by kind: the ones the server answers, other registered ones (405), unknown (501). */
    static final int GET = 1, HEAD = 2, POST = 3, OTHER_KNOWN = 4, UNKNOWN = 5;

    // The last parse's result. Offsets are into the array given to parse.
    int status;            // error status when ERROR
    int method;
    int methodEnd;         // the method is [from, methodEnd)
    int targetStart, targetEnd, pathEnd; // path: [targetStart, pathEnd), query after it
    boolean http10;
    boolean keepAlive;
    byte[] bodyArray;      // the caller's array, or the decoded chunked body
    int bodyStart, bodyLength;
    private int from;
    private int consumed;
    private byte[] chunked = new byte[0];

    /** The end of the request in the array: bytes before it may be dropped. */
    int consumed() {
        return consumed;
    }

    int parse(byte[] b, int len) {
        return parse(b, 0, len);
    }

    /** Parses the request starting at {@code b[from]}, with bytes up to {@code b[to]} available. */
    int parse(byte[] b, int from, int to) {
        this.from = from;
        int headerEnd = indexOfCrlfCrlf(b, from, to);
        if (headerEnd < 0) return to - from > MAX_HEADER_BYTES ? error(431) : NEED_MORE;
        if (headerEnd + 4 - from > MAX_HEADER_BYTES) return error(431);
        int lineEnd = indexOfCrlf(b, from, headerEnd + 2);
        if (!requestLine(b, from, lineEnd)) return ERROR;
        long contentLength = -1;
        boolean chunkedTe = false, host = false, close = false, ka = false;
        int pos = lineEnd + 2;
        while (pos < headerEnd + 2) {
            int end = indexOfCrlf(b, pos, headerEnd + 2);
            if (b[pos] == ' ' || b[pos] == '\t') return error(400); // obs-fold
            int colon = -1;
            for (int i = pos; i < end; i++) {
                if (b[i] == ':') {
                    colon = i;
                    break;
                }
                if (!tchar(b[i])) return error(400);
            }
            if (colon <= pos) return error(400);
            for (int i = colon + 1; i < end; i++) {
                if ((b[i] < 0x20 && b[i] != '\t') || b[i] == 0x7f) return error(400);
            }
            int vs = colon + 1, ve = end; // the value without surrounding whitespace
            while (vs < ve && (b[vs] == ' ' || b[vs] == '\t')) vs++;
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) ve--;
            if (nameIs(b, pos, colon, CONTENT_LENGTH)) {
                long v = parseLength(b, vs, ve);
                if (v < 0 || (contentLength >= 0 && contentLength != v)) return error(400);
                contentLength = v;
            } else if (nameIs(b, pos, colon, TRANSFER_ENCODING)) {
                if (chunkedTe || !equalsIgnoreCase(b, vs, ve, CHUNKED)) return error(501);
                chunkedTe = true;
            } else if (nameIs(b, pos, colon, HOST)) {
                if (host) return error(400);
                host = true;
            } else if (nameIs(b, pos, colon, CONNECTION)) {
                for (int t = vs; t < ve; ) { // comma-separated tokens
                    int comma = t;
                    while (comma < ve && b[comma] != ',') comma++;
                    int ts = t, te = comma;
                    while (ts < te && (b[ts] == ' ' || b[ts] == '\t')) ts++;
                    while (te > ts && (b[te - 1] == ' ' || b[te - 1] == '\t')) te--;
                    if (equalsIgnoreCase(b, ts, te, CLOSE)) close = true;
                    if (equalsIgnoreCase(b, ts, te, KEEP_ALIVE)) ka = true;
                    t = comma + 1;
                }
            }
            pos = end + 2;
        }
        if (chunkedTe && contentLength >= 0) return error(400);
        if (!http10 && !host) return error(400);
        keepAlive = http10 ? ka && !close : !close;
        int bodyAt = headerEnd + 4;
        if (chunkedTe) return chunkedBody(b, bodyAt, to);
        if (contentLength > MAX_BODY_BYTES) return error(413);
        int cl = (int) Math.max(0, contentLength);
        if (to - bodyAt < cl) return NEED_MORE;
        bodyArray = b;
        bodyStart = bodyAt;
        bodyLength = cl;
        consumed = bodyAt + cl;
        return OK;
    }

    /** Checks the whole chunked body is there, then copies its data into {@link #chunked}. */
    private int chunkedBody(byte[] b, int start, int to) {
        int size = 0;
        for (int pass = 0; pass < 2; pass++) {
            int pos = start, out = 0;
            for (;;) {
                int end = indexOfCrlf(b, pos, to);
                if (end < 0) return to - pos > 1024 ? error(400) : NEED_MORE;
                int semi = end;
                for (int i = pos; i < end; i++) {
                    if (b[i] == ';') {
                        semi = i;
                        break;
                    }
                }
                if (semi == pos) return error(400);
                long n = 0;
                for (int i = pos; i < semi; i++) {
                    int d = Character.digit(b[i], 16);
                    if (d < 0 || n > MAX_BODY_BYTES) return error(400);
                    n = n * 16 + d;
                }
                if (out + n > MAX_BODY_BYTES) return error(413);
                pos = end + 2;
                if (n == 0) { // trailer section: header lines up to an empty line
                    for (;;) {
                        int t = indexOfCrlf(b, pos, to);
                        if (t < 0) return to - pos > MAX_HEADER_BYTES ? error(431) : NEED_MORE;
                        boolean empty = t == pos;
                        pos = t + 2;
                        if (empty) break;
                    }
                    break;
                }
                if (to - pos < n + 2) return NEED_MORE;
                if (pass == 1) System.arraycopy(b, pos, chunked, out, (int) n);
                pos += (int) n;
                out += (int) n;
                if (b[pos] != '\r' || b[pos + 1] != '\n') return error(400);
                pos += 2;
            }
            if (pass == 0) {
                size = out;
                if (chunked.length < size) chunked = new byte[Math.max(size, Math.min(MAX_BODY_BYTES, chunked.length * 2))];
            } else {
                consumed = pos;
            }
        }
        bodyArray = chunked;
        bodyStart = 0;
        bodyLength = size;
        return OK;
    }

    private boolean requestLine(byte[] b, int from, int end) {
        int sp1 = -1, sp2 = -1;
        for (int i = from; i < end; i++) {
            if (b[i] == ' ') {
                if (sp1 < 0) sp1 = i;
                else if (sp2 < 0) sp2 = i;
                else return error(400) == OK;
            }
        }
        if (sp1 <= from || sp2 < 0 || sp2 == sp1 + 1 || sp2 == end - 1) return error(400) == OK;
        for (int i = from; i < sp1; i++) if (!tchar(b[i])) return error(400) == OK;
        for (int i = sp1 + 1; i < sp2; i++) if (b[i] <= 0x20 || b[i] == 0x7f) return error(400) == OK;
        int v = sp2 + 1;
        if (end - v != 8 || !startsWith(b, v, HTTP_SLASH) || !digit(b[v + 5]) || b[v + 6] != '.' || !digit(b[v + 7])) {
            return error(400) == OK;
        }
        if (b[v + 5] != '1' || (b[v + 7] != '1' && b[v + 7] != '0')) return error(505) == OK;
        http10 = b[v + 7] == '0';
        methodEnd = sp1;
        method = methodKind(b, from, sp1);
        targetStart = sp1 + 1;
        targetEnd = sp2;
        pathEnd = targetEnd;
        for (int i = targetStart; i < targetEnd; i++) {
            if (b[i] == '?') {
                pathEnd = i;
                break;
            }
        }
        return true;
    }

    private static int methodKind(byte[] b, int from, int to) {
        if (equals(b, from, to, M_GET)) return GET;
        if (equals(b, from, to, M_HEAD)) return HEAD;
        if (equals(b, from, to, M_POST)) return POST;
        for (byte[] m : OTHER_METHODS) if (equals(b, from, to, m)) return OTHER_KNOWN;
        return UNKNOWN;
    }

    private int error(int s) {
        status = s;
        return ERROR;
    }

    /** Whether the request path equals {@code path} (ASCII bytes). */
    boolean pathIs(byte[] b, byte[] path) {
        return equals(b, targetStart, pathEnd, path);
    }

    /** Whether the request path starts with {@code prefix}. */
    boolean pathStartsWith(byte[] b, byte[] prefix) {
        return pathEnd - targetStart >= prefix.length && startsWith(b, targetStart, prefix);
    }

    // For tests, logs and error messages: these allocate.
    String methodName(byte[] b) {
        return new String(b, from, methodEnd - from, StandardCharsets.ISO_8859_1);
    }

    String target(byte[] b) {
        return new String(b, targetStart, targetEnd - targetStart, StandardCharsets.ISO_8859_1);
    }

    byte[] body() {
        return java.util.Arrays.copyOfRange(bodyArray, bodyStart, bodyStart + bodyLength);
    }

    private static long parseLength(byte[] b, int from, int to) {
        if (from == to || to - from > 18) return -1;
        long n = 0;
        for (int i = from; i < to; i++) {
            if (!digit(b[i])) return -1;
            n = n * 10 + (b[i] - '0');
        }
        return n;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (int c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
    }

    private static boolean tchar(byte c) {
        return c >= 0 && TCHAR[c];
    }

    /** Header names compare case-insensitively; {@code lower} is given in lower case. */
    private static boolean nameIs(byte[] b, int from, int to, byte[] lower) {
        return equalsIgnoreCase(b, from, to, lower);
    }

    private static boolean equalsIgnoreCase(byte[] b, int from, int to, byte[] lower) {
        if (to - from != lower.length) return false;
        for (int i = 0; i < lower.length; i++) {
            int c = b[from + i];
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            if (c != lower[i]) return false;
        }
        return true;
    }

    private static boolean equals(byte[] b, int from, int to, byte[] s) {
        return to - from == s.length && startsWith(b, from, s);
    }

    private static boolean startsWith(byte[] b, int from, byte[] s) {
        for (int i = 0; i < s.length; i++) if (b[from + i] != s[i]) return false;
        return true;
    }

    static int indexOfCrlf(byte[] b, int from, int to) {
        for (int i = from; i < to - 1; i++) if (b[i] == '\r' && b[i + 1] == '\n') return i;
        return -1;
    }

    static int indexOfCrlfCrlf(byte[] b, int from, int to) {
        for (int i = from; i < to - 3; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i;
        }
        return -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] CONTENT_LENGTH = ascii("content-length"), TRANSFER_ENCODING = ascii("transfer-encoding"),
            HOST = ascii("host"), CONNECTION = ascii("connection"), CHUNKED = ascii("chunked"), CLOSE = ascii("close"),
            KEEP_ALIVE = ascii("keep-alive"), HTTP_SLASH = ascii("HTTP/"), M_GET = ascii("GET"), M_HEAD = ascii("HEAD"),
            M_POST = ascii("POST");
    private static final byte[][] OTHER_METHODS = {ascii("PUT"), ascii("DELETE"), ascii("PATCH"), ascii("OPTIONS"),
            ascii("TRACE"), ascii("CONNECT")};
}
