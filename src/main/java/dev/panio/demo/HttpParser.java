package dev.panio.demo;

import java.nio.charset.StandardCharsets;

/**
 * An incremental HTTP/1.1 request parser (RFC 9112) over a byte buffer that grows as
 * bytes arrive, split anywhere. {@link #parse} either needs more bytes, yields one
 * complete request (then {@link #consumed()} bytes can be dropped), or names the status
 * that malformed input deserves. It accepts only what the RFC allows, and refuses the
 * request-smuggling shapes: Content-Length together with Transfer-Encoding, differing
 * duplicate Content-Lengths, Transfer-Encoding other than chunked, obsolete line folding.
 */
final class HttpParser {
    static final int NEED_MORE = 0, OK = 1, ERROR = 2;
    static final int MAX_HEADER_BYTES = 8 * 1024;
    static final int MAX_BODY_BYTES = 1 << 20;

    // Result of the last parse
    int status;            // error status when ERROR
    String method;
    String target;
    boolean http10;
    boolean keepAlive;
    byte[] body;
    private int consumed;

    int consumed() {
        return consumed;
    }

    int parse(byte[] b, int len) {
        int headerEnd = indexOf(b, 0, len, CRLFCRLF);
        if (headerEnd < 0) {
            if (len > MAX_HEADER_BYTES) return error(431);
            // a request line or header already visibly malformed need not wait for more
            return NEED_MORE;
        }
        if (headerEnd + 4 > MAX_HEADER_BYTES) return error(431);
        int lineEnd = indexOf(b, 0, headerEnd + 2, CRLF);
        if (!requestLine(b, lineEnd)) return ERROR;
        long contentLength = -1;
        boolean chunked = false, sawTe = false, host = false, close = false, ka = false;
        int pos = lineEnd + 2;
        while (pos < headerEnd + 2) {
            int end = indexOf(b, pos, headerEnd + 2, CRLF);
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
            String name = ascii(b, pos, colon).toLowerCase(java.util.Locale.ROOT);
            String value = ascii(b, colon + 1, end).strip();
            for (int i = colon + 1; i < end; i++) {
                if ((b[i] < 0x20 && b[i] != '\t') || b[i] == 0x7f) return error(400);
            }
            switch (name) {
                case "content-length" -> {
                    long v = parseLength(value);
                    if (v < 0 || (contentLength >= 0 && contentLength != v)) return error(400);
                    contentLength = v;
                }
                case "transfer-encoding" -> {
                    if (sawTe || !value.equalsIgnoreCase("chunked")) return error(501);
                    sawTe = true;
                    chunked = true;
                }
                case "host" -> {
                    if (host) return error(400);
                    host = true;
                }
                case "connection" -> {
                    for (String t : value.split(",")) {
                        if (t.strip().equalsIgnoreCase("close")) close = true;
                        if (t.strip().equalsIgnoreCase("keep-alive")) ka = true;
                    }
                }
                default -> { }
            }
            pos = end + 2;
        }
        if (chunked && contentLength >= 0) return error(400);
        if (!http10 && !host) return error(400);
        keepAlive = http10 ? ka && !close : !close;
        int bodyStart = headerEnd + 4;
        if (chunked) return chunkedBody(b, bodyStart, len);
        if (contentLength > MAX_BODY_BYTES) return error(413);
        long cl = Math.max(0, contentLength);
        if (len - bodyStart < cl) return NEED_MORE;
        body = java.util.Arrays.copyOfRange(b, bodyStart, bodyStart + (int) cl);
        consumed = bodyStart + (int) cl;
        return OK;
    }

    private int chunkedBody(byte[] b, int pos, int len) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (;;) {
            int end = indexOf(b, pos, len, CRLF);
            if (end < 0) return len - pos > 1024 ? error(400) : NEED_MORE;
            int semi = end;
            for (int i = pos; i < end; i++) if (b[i] == ';') { semi = i; break; }
            long size = 0;
            if (semi == pos) return error(400);
            for (int i = pos; i < semi; i++) {
                int d = Character.digit(b[i], 16);
                if (d < 0 || size > MAX_BODY_BYTES) return error(400);
                size = size * 16 + d;
            }
            if (out.size() + size > MAX_BODY_BYTES) return error(413);
            pos = end + 2;
            if (size == 0) {
                // trailer section: header lines until an empty line
                for (;;) {
                    int t = indexOf(b, pos, len, CRLF);
                    if (t < 0) return NEED_MORE;
                    if (t == pos) {
                        body = out.toByteArray();
                        consumed = t + 2;
                        return OK;
                    }
                    pos = t + 2;
                }
            }
            if (len - pos < size + 2) return NEED_MORE;
            out.write(b, pos, (int) size);
            pos += (int) size;
            if (b[pos] != '\r' || b[pos + 1] != '\n') return error(400);
            pos += 2;
        }
    }

    private boolean requestLine(byte[] b, int end) {
        int sp1 = -1, sp2 = -1;
        for (int i = 0; i < end; i++) {
            if (b[i] == ' ') {
                if (sp1 < 0) sp1 = i;
                else if (sp2 < 0) sp2 = i;
                else return error(400) == OK;
            }
        }
        if (sp1 <= 0 || sp2 < 0 || sp2 == sp1 + 1 || sp2 == end - 1) return error(400) == OK;
        for (int i = 0; i < sp1; i++) if (!tchar(b[i])) return error(400) == OK;
        for (int i = sp1 + 1; i < sp2; i++) if (b[i] <= 0x20 || b[i] == 0x7f) return error(400) == OK;
        String version = ascii(b, sp2 + 1, end);
        if (version.equals("HTTP/1.1")) {
            http10 = false;
        } else if (version.equals("HTTP/1.0")) {
            http10 = true;
        } else if (version.matches("HTTP/\\d\\.\\d")) {
            return error(505) == OK;
        } else {
            return error(400) == OK;
        }
        method = ascii(b, 0, sp1);
        target = ascii(b, sp1 + 1, sp2);
        return true;
    }

    private int error(int s) {
        status = s;
        return ERROR;
    }

    private static long parseLength(String v) {
        if (v.isEmpty() || v.length() > 18) return -1;
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static boolean tchar(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0 && c != 0;
    }

    private static String ascii(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};

    static int indexOf(byte[] b, int from, int to, byte[] pat) {
        outer:
        for (int i = from; i <= to - pat.length; i++) {
            for (int j = 0; j < pat.length; j++) if (b[i + j] != pat[j]) continue outer;
            return i;
        }
        return -1;
    }
}
