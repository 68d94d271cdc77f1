package dev.panio.demo;

import static dev.panio.demo.HttpScans.NEED;
import static dev.panio.demo.HttpScans.TOO_LONG;
import static dev.panio.demo.HttpScans.fieldLine;
import static dev.panio.demo.HttpScans.lineEnd;
import static dev.panio.demo.HttpScans.queryOrFragment;
import static dev.panio.demo.HttpScans.tchar;
import static dev.panio.demo.HttpScans.visibleEnd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental HTTP/1.1 request parser (RFC 9112) over bytes that arrive split anywhere.
 * {@link #parse} either needs more bytes, yields one complete request (then
 * {@link #consumed()} bytes can be dropped), or names the status that malformed input
 * deserves. It frames exactly as RFC 9112 says and, where the RFC lets a server choose,
 * takes the strict option:
 *
 * <ul>
 * <li>every line ends in CRLF: a bare LF or a bare CR anywhere (request line, fields, chunk
 *     lines, trailers) is refused with 400 as soon as it is seen (§2.2 allows accepting a
 *     lone LF; one rule everywhere is what keeps two parsers from framing differently);
 * <li>empty lines before the request line are ignored (§2.2);
 * <li>field lines, in the header and the trailer section alike, are {@code token ":" OWS
 *     value OWS} with values of VCHAR, obs-text (0x80-0xFF), SP and HTAB; whitespace before
 *     the colon, obsolete line folding, NUL and other controls are refused (§5);
 * <li>chunk sizes are hex digits, chunk extensions follow the chunk-ext grammar (§7.1.1),
 *     trailer fields are parsed as fields and then ignored (§7.1.2);
 * <li>Content-Length with Transfer-Encoding, differing Content-Lengths, a list in
 *     Content-Length, more than one Host, and Transfer-Encoding in HTTP/1.0 (§6.1) are
 *     refused with 400 (the connection then closes); a Transfer-Encoding other than chunked
 *     gets 501;
 * <li>the request target may be origin-form, absolute-form ({@code http://host/path}, whose
 *     authority is then the host, §3.2.2) or asterisk-form;
 * <li>{@code Expect: 100-continue} is reported ({@link #expectContinue}) for the server to
 *     answer; any other expectation gets 417.
 * </ul>
 *
 * <p>Allocation-free in steady state: the request is described by offsets into the caller's
 * array (method, target, body), compared as bytes; only a chunked body is copied, into an
 * array the parser keeps and reuses, and the last field section ({@link FieldSection}),
 * kept to recognise the next request's when it is the same bytes (keep-alive clients repeat
 * their header fields).
 */
final class HttpParser {
    static final int NEED_MORE = 0, OK = 1, ERROR = 2;
    static final int MAX_HEADER_BYTES = 8 * 1024;
    static final int MAX_BODY_BYTES = 1 << 20;
    /** The longest chunk-size line (size and extensions). */
    static final int MAX_CHUNK_LINE = 1024;
    /** Methods by kind: the ones the server answers, other registered ones (405), unknown (501). */
    static final int GET = 1, HEAD = 2, POST = 3, OTHER_KNOWN = 4, UNKNOWN = 5;

    // The last parse's result. Offsets are into the array given to parse.
    int status;            // error status when ERROR
    int method;
    int methodStart, methodEnd;
    int targetStart, targetEnd;
    int pathStart, pathEnd; // the path ([pathStart, pathEnd), empty for an absolute-form target without one: "/")
    boolean http10;
    boolean keepAlive;
    /** The header section is complete and valid; only body bytes are missing (NEED_MORE). */
    boolean headersDone;
    /** {@code Expect: 100-continue} on an HTTP/1.1 request. */
    boolean expectContinue;
    /** Content-Length of the body, -1 for chunked or none. */
    long contentLength;
    /** Where the body starts, once the header section is parsed. */
    int bodyAt;
    /** Where the request being parsed starts (for {@link #chunkedBody}'s resume point). */
    private int headStart;
    /**
     * A chunked body already checked up to a chunk boundary on an earlier call for the same
     * request: the boundary's offset from the body's start (-1: none), the data bytes before
     * it, and the header length of the request it belongs to. A body that arrives in many
     * reads is checked once, not from its start on every read.
     */
    private int resumeAt = -1, resumeOut, resumeHead;
    boolean chunkedBody;
    byte[] bodyArray;      // the caller's array, or the decoded chunked body
    int bodyStart, bodyLength;
    private int consumed;
    private byte[] chunked = new byte[0];
    /** The last field section accepted, to recognise the next request's when it is the same bytes. */
    private final FieldSection section = new FieldSection();
    private static final int FIELDS_NEED_MORE = -1, FIELDS_ERROR = -2;

    /** The end of the request in the array: bytes before it may be dropped. */
    int consumed() {
        return consumed;
    }

    int parse(byte[] b, int len) {
        return parse(b, 0, len);
    }

    /** Parses the request starting at {@code b[from]}, with bytes up to {@code b[to]} available. */
    int parse(byte[] b, int from, int to) {
        int r = parseHead(b, from, to);
        return r == OK ? parseBody(b, to) : r;
    }

    /**
     * Parses the request line and header section only: OK once they are complete and valid
     * ({@link #headersDone}; the body starts at {@link #bodyAt}), for a caller that streams the
     * body itself, or goes on with {@link #parseBody}.
     */
    int parseHead(byte[] b, int from, int to) {
        headStart = from;
        headersDone = expectContinue = chunkedBody = false;
        contentLength = -1;
        int limit = from + MAX_HEADER_BYTES;
        int pos = from;
        // Empty lines before the request line are ignored (§2.2).
        int lineEnd;
        for (;;) {
            lineEnd = lineEnd(b, pos, to, limit);
            if (lineEnd == NEED) return NEED_MORE;
            if (lineEnd == TOO_LONG) return error(414); // the request line (after any empty lines) does not end within the limit
            if (lineEnd < 0) return lineError(lineEnd);
            if (lineEnd != pos) break;
            pos = lineEnd + 2;
        }
        if (!requestLine(b, pos, lineEnd)) return ERROR;
        int fieldsAt = lineEnd + 2;
        // The same field section as the last request's: the same answer, without its lines
        // being checked again (see FieldSection); else fields() checks them and keeps them.
        int n = section.match(b, fieldsAt, to, limit);
        if (n < 0) {
            int end = fields(b, fieldsAt, to, limit);
            if (end < 0) return end == FIELDS_NEED_MORE ? NEED_MORE : ERROR;
            n = end - fieldsAt;
        }
        pos = fieldsAt + n;
        long length = section.contentLength();
        boolean te = section.has(FieldSection.CHUNKED), host = section.has(FieldSection.HOST),
                close = section.has(FieldSection.CLOSE), ka = section.has(FieldSection.KEEP_ALIVE),
                expect = section.has(FieldSection.EXPECT_CONTINUE);
        if (te && length >= 0) return error(400);
        if (te && http10) { // §6.1: faulty framing in HTTP/1.0; refuse, and close
            keepAlive = false;
            return error(400);
        }
        if (!http10 && !host) return error(400);
        keepAlive = http10 ? ka && !close : !close;
        expectContinue = expect && !http10; // §10.1.1: ignored in HTTP/1.0
        headersDone = true;
        chunkedBody = te;
        contentLength = length;
        bodyAt = pos;
        return OK;
    }

    /**
     * Parses the field lines from {@code pos} to the blank line: its end, or
     * {@link #FIELDS_NEED_MORE} / {@link #FIELDS_ERROR} (with {@link #status} set). On success
     * the section and what its fields say are kept in {@link #section}, where
     * {@link #parseHead} reads them.
     */
    private int fields(byte[] b, int pos, int to, int limit) {
        int fieldsAt = pos;
        long length = -1;
        boolean te = false, host = false, close = false, ka = false, expect = false;
        for (;;) {
            int end = lineEnd(b, pos, to, limit);
            if (end == NEED) return FIELDS_NEED_MORE;
            if (end < 0) return fieldError(end == TOO_LONG ? 431 : 400);
            if (end == pos) { // the empty line: end of the header section
                pos = end + 2;
                break;
            }
            int colon = fieldLine(b, pos, end);
            if (colon < 0) return fieldError(400);
            int vs = colon + 1, ve = end; // the value without surrounding whitespace
            while (vs < ve && (b[vs] == ' ' || b[vs] == '\t')) vs++;
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) ve--;
            if (equalsIgnoreCase(b, pos, colon, CONTENT_LENGTH)) {
                long v = parseLength(b, vs, ve);
                if (v < 0 || (length >= 0 && length != v)) return fieldError(400);
                length = v;
            } else if (equalsIgnoreCase(b, pos, colon, TRANSFER_ENCODING)) {
                if (te) return fieldError(400); // chunked twice, or a list split over lines
                if (!equalsIgnoreCase(b, vs, ve, CHUNKED)) return fieldError(501);
                te = true;
            } else if (equalsIgnoreCase(b, pos, colon, HOST)) {
                if (host || !hostValue(b, vs, ve)) return fieldError(400);
                host = true;
            } else if (equalsIgnoreCase(b, pos, colon, EXPECT)) {
                if (!equalsIgnoreCase(b, vs, ve, CONTINUE_100)) return fieldError(417);
                expect = true;
            } else if (equalsIgnoreCase(b, pos, colon, CONNECTION)) {
                for (int t = vs; t < ve; ) { // comma-separated tokens
                    int comma = t;
                    while (comma < ve && b[comma] != ',') comma++;
                    int ts = t, tend = comma;
                    while (ts < tend && (b[ts] == ' ' || b[ts] == '\t')) ts++;
                    while (tend > ts && (b[tend - 1] == ' ' || b[tend - 1] == '\t')) tend--;
                    if (equalsIgnoreCase(b, ts, tend, CLOSE)) close = true;
                    if (equalsIgnoreCase(b, ts, tend, KEEP_ALIVE)) ka = true;
                    t = comma + 1;
                }
            }
            pos = end + 2;
        }
        section.keep(b, fieldsAt, pos, length, (te ? FieldSection.CHUNKED : 0) | (host ? FieldSection.HOST : 0)
                | (close ? FieldSection.CLOSE : 0) | (ka ? FieldSection.KEEP_ALIVE : 0) | (expect ? FieldSection.EXPECT_CONTINUE : 0));
        return pos;
    }

    /** After {@link #parseHead}: the whole body, buffered (at most {@link #MAX_BODY_BYTES}). */
    int parseBody(byte[] b, int to) {
        int pos = bodyAt;
        if (chunkedBody) return chunkedBody(b, pos, to);
        long length = contentLength;
        if (length > MAX_BODY_BYTES) return error(413);
        int cl = (int) Math.max(0, length);
        if (to - pos < cl) return NEED_MORE;
        bodyArray = b;
        bodyStart = pos;
        bodyLength = cl;
        consumed = pos + cl;
        return OK;
    }

    // ---- lines ---------------------------------------------------------------------------------

    /** {@link #error} for {@link #fields}, which returns positions. */
    private int fieldError(int s) {
        error(s);
        return FIELDS_ERROR;
    }

    private int lineError(int e) {
        return error(e == TOO_LONG ? 431 : 400);
    }

    // ---- the request line ------------------------------------------------------------------------

    private boolean requestLine(byte[] b, int from, int end) {
        // method SP request-target SP HTTP-version, each part checked as it is crossed
        int sp1 = from, kind = 0;
        if (end - from >= 4 && (int) INTS.get(b, from) == GET_SP) { // the usual method, four bytes at once
            sp1 = from + 3;
            kind = GET;
        } else {
            while (sp1 < end && tchar(b[sp1])) sp1++;
            if (sp1 == from || sp1 == end || b[sp1] != ' ') return error(400) == OK;
        }
        int sp2 = visibleEnd(b, sp1 + 1, end); // no controls, spaces or raw non-ASCII in a URI
        if (sp2 == sp1 + 1 || sp2 == end || b[sp2] != ' ') return error(400) == OK;
        int v = sp2 + 1;
        if (end - v != 8) return error(400) == OK; // also a third space, or none after the target
        if ((long) HttpScans.LONGS.get(b, v) != HTTP_1_1) {
            if (!startsWith(b, v, HTTP_SLASH) || !digit(b[v + 5]) || b[v + 6] != '.' || !digit(b[v + 7])) {
                return error(400) == OK;
            }
            // HTTP/1.2 and later minors are handled as 1.1 (RFC 9110 §2.5); another major is not served
            if (b[v + 5] != '1') return error(505) == OK;
        }
        http10 = b[v + 7] == '0';
        methodStart = from;
        methodEnd = sp1;
        method = kind != 0 ? kind : methodKind(b, from, sp1);
        targetStart = sp1 + 1;
        targetEnd = sp2;
        if (!target(b, targetStart, targetEnd)) return error(400) == OK;
        // the asterisk-form is for OPTIONS only (RFC 9112 §3.2.4)
        if (sp2 - sp1 == 2 && b[sp1 + 1] == '*' && !equals(b, from, sp1, M_OPTIONS)) return error(400) == OK;
        return true;
    }

    /** Finds the path in an origin-form, absolute-form or asterisk-form target (§3.2). */
    private boolean target(byte[] b, int from, int to) {
        if (b[from] == '/') { // origin-form
            pathStart = from;
        } else if (to - from == 1 && b[from] == '*') { // asterisk-form (OPTIONS)
            pathStart = pathEnd = from;
            pathEnd = to;
            return true;
        } else { // absolute-form: scheme "://" authority path-abempty [ "?" query ]
            int s = from;
            if (startsWithIgnoreCase(b, s, to, HTTP_SCHEME)) s += HTTP_SCHEME.length;
            else if (startsWithIgnoreCase(b, s, to, HTTPS_SCHEME)) s += HTTPS_SCHEME.length;
            else return false;
            int a = s;
            while (a < to && b[a] != '/' && b[a] != '?' && b[a] != '#') a++;
            if (a == s || !hostValue(b, s, a) || (a < to && b[a] == '#')) return false;
            pathStart = a;
        }
        pathEnd = queryOrFragment(b, pathStart, to);
        return pathEnd == to || b[pathEnd] == '?'; // a fragment is never sent
    }

    /** A Host value or an authority: reg-name / IP-literal, optional port; empty is allowed for Host. */
    private static boolean hostValue(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x80 || !HOST_CHAR[c]) return false;
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

    // ---- chunked bodies ------------------------------------------------------------------------

    /** Checks the whole chunked body is there and well formed, then copies its data into {@link #chunked}. */
    private int chunkedBody(byte[] b, int start, int to) {
        int size = 0;
        for (int pass = 0; pass < 2; pass++) {
            int pos = start, out = 0;
            if (pass == 0 && resumeAt >= 0 && resumeHead == start - headStart && start + resumeAt <= to) {
                pos = start + resumeAt;
                out = resumeOut;
            }
            for (;;) {
                int end = lineEnd(b, pos, to, pos + MAX_CHUNK_LINE);
                if (end == NEED) return NEED_MORE;
                if (end < 0) return error(400);
                int digitsEnd = pos;
                long n = 0;
                while (digitsEnd < end && hex(b[digitsEnd]) >= 0) {
                    n = n * 16 + hex(b[digitsEnd]);
                    if (n > MAX_BODY_BYTES) return error(413);
                    digitsEnd++;
                }
                if (digitsEnd == pos || !chunkExtensions(b, digitsEnd, end)) return error(400);
                if (out + n > MAX_BODY_BYTES) return error(413);
                pos = end + 2;
                if (n == 0) { // the trailer section: field lines up to an empty line (§7.1.2)
                    int limit = pos + MAX_HEADER_BYTES;
                    for (;;) {
                        int t = lineEnd(b, pos, to, limit);
                        if (t == NEED) return NEED_MORE;
                        if (t < 0) return lineError(t);
                        if (t == pos) {
                            pos = t + 2;
                            break;
                        }
                        if (fieldLine(b, pos, t) < 0) return error(400); // parsed as a field, then ignored
                        pos = t + 2;
                    }
                    break;
                }
                if (to - pos < n + 2) return NEED_MORE;
                if (pass == 1) System.arraycopy(b, pos, chunked, out, (int) n);
                pos += (int) n;
                out += (int) n;
                if (b[pos] != '\r' || b[pos + 1] != '\n') return error(400);
                pos += 2;
                if (pass == 0) { // a chunk checked whole: the next call for this request starts here
                    resumeAt = pos - start;
                    resumeOut = out;
                    resumeHead = start - headStart;
                }
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
        resumeAt = -1;
        return OK;
    }

    /**
     * {@code *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )} over {@code [pos, end)},
     * where a name is a token and a value a token or a quoted-string (§7.1.1).
     */
    static boolean chunkExtensions(byte[] b, int pos, int end) {
        for (;;) {
            pos = skipWhitespace(b, pos, end);
            if (pos == end) return true;
            if (b[pos] != ';') return false;
            pos = skipWhitespace(b, pos + 1, end);
            int name = pos;
            while (pos < end && tchar(b[pos])) pos++;
            if (pos == name) return false;
            int after = skipWhitespace(b, pos, end);
            if (after < end && b[after] == '=') {
                pos = skipWhitespace(b, after + 1, end);
                if (pos < end && b[pos] == '"') {
                    pos = quotedString(b, pos, end);
                    if (pos < 0) return false;
                } else {
                    int value = pos;
                    while (pos < end && tchar(b[pos])) pos++;
                    if (pos == value) return false;
                }
            } else {
                pos = after;
            }
        }
    }

    /** The index after the quoted-string starting at {@code b[pos] == '"'}, or -1. */
    private static int quotedString(byte[] b, int pos, int end) {
        for (int i = pos + 1; i < end; i++) {
            int c = b[i] & 0xff;
            if (c == '"') return i + 1;
            if (c == '\\') {
                if (++i >= end) return -1;
                c = b[i] & 0xff;
                if (c < 0x20 && c != '\t' || c == 0x7f) return -1;
            } else if (c < 0x20 && c != '\t' || c == 0x7f) {
                return -1;
            }
        }
        return -1;
    }

    private static int skipWhitespace(byte[] b, int pos, int end) {
        while (pos < end && (b[pos] == ' ' || b[pos] == '\t')) pos++;
        return pos;
    }

    static int hex(byte c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    private int error(int s) {
        status = s;
        resumeAt = -1;
        return ERROR;
    }

    // ---- the parsed request ----------------------------------------------------------------

    /** Whether the request path equals {@code path} (ASCII bytes); an absolute-form target without a path is "/". */
    boolean pathIs(byte[] b, byte[] path) {
        if (pathEnd == pathStart) return path.length == 1 && path[0] == '/';
        return equals(b, pathStart, pathEnd, path);
    }

    /** Whether the request path starts with {@code prefix}. */
    boolean pathStartsWith(byte[] b, byte[] prefix) {
        return pathEnd - pathStart >= prefix.length && startsWith(b, pathStart, prefix);
    }

    // For tests, logs and error messages: these allocate.
    String methodName(byte[] b) {
        return new String(b, methodStart, methodEnd - methodStart, StandardCharsets.ISO_8859_1);
    }

    String target(byte[] b) {
        return new String(b, targetStart, targetEnd - targetStart, StandardCharsets.ISO_8859_1);
    }

    byte[] body() {
        return java.util.Arrays.copyOfRange(bodyArray, bodyStart, bodyStart + bodyLength);
    }

    // ---- bytes ---------------------------------------------------------------------------------

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

    // reg-name (unreserved, pct-encoded, sub-delims), IP-literal brackets and the port's colon
    private static final boolean[] HOST_CHAR = HttpScans.asciiTable("-._~%!$&'()*+,;=:[]");

    private static boolean equalsIgnoreCase(byte[] b, int from, int to, byte[] lower) {
        return to - from == lower.length && startsWithIgnoreCase(b, from, to, lower);
    }

    private static boolean startsWithIgnoreCase(byte[] b, int from, int to, byte[] lower) {
        if (to - from < lower.length) return false;
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

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] CONTENT_LENGTH = ascii("content-length"), TRANSFER_ENCODING = ascii("transfer-encoding"),
            HOST = ascii("host"), CONNECTION = ascii("connection"), CHUNKED = ascii("chunked"), CLOSE = ascii("close"),
            KEEP_ALIVE = ascii("keep-alive"), EXPECT = ascii("expect"), CONTINUE_100 = ascii("100-continue"),
            HTTP_SLASH = ascii("HTTP/"), HTTP_SCHEME = ascii("http://"), HTTPS_SCHEME = ascii("https://"),
            M_GET = ascii("GET"), M_HEAD = ascii("HEAD"), M_POST = ascii("POST");
    private static final byte[] M_OPTIONS = ascii("OPTIONS");
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** "GET " as {@link #INTS} reads it. */
    private static final int GET_SP = (int) INTS.get(ascii("GET "), 0);
    /** "HTTP/1.1" as {@link HttpScans#LONGS} reads it. */
    private static final long HTTP_1_1 = (long) HttpScans.LONGS.get(ascii("HTTP/1.1"), 0);
    private static final byte[][] OTHER_METHODS = {ascii("PUT"), ascii("DELETE"), ascii("PATCH"), ascii("OPTIONS"),
            ascii("TRACE"), ascii("CONNECT")};
}
