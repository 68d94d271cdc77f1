package dev.panio.demo;

import static dev.panio.demo.ResponseWriter.ascii;

import java.nio.charset.StandardCharsets;

/**
 * The demo server's routes, the same for the reactor's {@link HttpHandler} and the
 * {@link CoroutineHttpServer}: what each parsed request is answered, built into a
 * {@link ResponseWriter}. {@code POST /echo} streams and is answered by each server itself
 * ({@link #isEcho}); a file under {@code /files/} is left for the server to send after its
 * head, as only the server knows how to move it.
 */
final class Routes {
    private Routes() {}

    static final byte[] OCTETS = ascii("application/octet-stream");
    private static final byte[] HELLO = ascii("Hello, World!"), NOT_FOUND = ascii("not found\n"), USE_GET = ascii("use GET\n"),
            USE_POST = ascii("use POST\n"), TEXT = ascii("text/plain"),
            JSON = ascii("application/json"), HTML = ascii("text/html; charset=utf-8"), NONE = new byte[0],
            NO_STORE = ascii("Cache-Control: no-store\r\n"), ALLOW_GET_HEAD = ascii("Allow: GET, HEAD\r\n"),
            ALLOW_POST = ascii("Allow: POST\r\n"), ALLOW_GET_HEAD_POST = ascii("Allow: GET, HEAD, POST\r\n"),
            PLAINTEXT = ascii("/plaintext"), ROOT = ascii("/"), ECHO = ascii("/echo"), STATS = ascii("/stats"),
            STATUS = ascii("/status"), FILES = ascii("/files/");

    /** Whether the parsed head is {@code POST /echo}, whose body the server streams back as it comes. */
    static boolean isEcho(HttpParser p, byte[] b) {
        return p.method == HttpParser.POST && p.pathIs(b, ECHO);
    }

    /**
     * Builds the answer to the request {@code p} parsed from {@code b} into {@code out}.
     * Returns the open file to send after the head in {@code out} ({@code GET /files/...}),
     * which the caller sends and closes; null when {@code out} holds the whole answer.
     */
    static HttpService.FileLookup answer(HttpService service, HttpParser p, byte[] b, ResponseWriter out) {
        boolean head = p.method == HttpParser.HEAD;
        if (p.method == HttpParser.OTHER_KNOWN || p.method == HttpParser.UNKNOWN) {
            int status = p.method == HttpParser.OTHER_KNOWN ? 405 : 501;
            return send(p, out, status, TEXT, ascii("method " + p.methodName(b) + " not supported\n"), ALLOW_GET_HEAD_POST, false);
        }
        boolean post = p.method == HttpParser.POST;
        if (p.pathIs(b, PLAINTEXT) || p.pathIs(b, ROOT)) {
            return post ? send(p, out, 405, TEXT, USE_GET, ALLOW_GET_HEAD, false) : send(p, out, 200, TEXT, HELLO, NONE, head);
        }
        if (p.pathIs(b, ECHO)) { // POST /echo is streamed by the server: only other methods get here
            return send(p, out, 405, TEXT, USE_POST, ALLOW_POST, head);
        }
        if (p.pathIs(b, STATS)) {
            return send(p, out, 200, JSON, service.stats().getBytes(StandardCharsets.UTF_8), NO_STORE, head);
        }
        if (p.pathIs(b, STATUS)) {
            return send(p, out, 200, HTML, service.statusPage().getBytes(StandardCharsets.UTF_8), NONE, head);
        }
        if (p.pathStartsWith(b, FILES) && service.servesFiles()) {
            if (post) return send(p, out, 405, TEXT, USE_GET, ALLOW_GET_HEAD, false);
            return file(service, p, b, out, head);
        }
        return send(p, out, 404, TEXT, NOT_FOUND, NONE, head);
    }

    private static HttpService.FileLookup file(HttpService service, HttpParser p, byte[] b, ResponseWriter out, boolean head) {
        String relative = Paths.decode(b, p.pathStart + FILES.length, p.pathEnd);
        if (relative == null) return send(p, out, 400, TEXT, ascii("bad percent-encoding in path\n"), NONE, head);
        HttpService.FileLookup f = service.open(relative);
        if (f.file() == null) {
            byte[] why = f.status() == 403 ? ascii("path leaves the served directory\n") : ascii(ResponseWriter.reason(f.status()) + "\n");
            return send(p, out, f.status(), TEXT, why, NONE, head);
        }
        out.start(200, Paths.contentType(relative), f.size()).endHeaders(!p.keepAlive, p.http10);
        if (head) {
            HttpService.closeQuietly(f.file());
            return null;
        }
        return f;
    }

    private static HttpService.FileLookup send(HttpParser p, ResponseWriter out, int status, byte[] type, byte[] body, byte[] extra, boolean head) {
        if (status == 200 && extra.length == 0 && p.keepAlive && !p.http10 && !head) {
            out.okKeepAlive(type, body); // the same bytes as below, in one copy
            return null;
        }
        out.start(status, type, body.length).header(extra).endHeaders(!p.keepAlive, p.http10);
        if (!head) out.body(body, 0, body.length);
        return null;
    }

    /** The response that refuses a request with {@code status} and closes the connection. */
    static void error(ResponseWriter out, int status) {
        byte[] body = ascii(ResponseWriter.reason(status) + "\n");
        out.start(status, TEXT, body.length).endHeaders(true).body(body, 0, body.length);
    }

    /** The head of the {@code POST /echo} response: the body's own length, or chunked for a chunked body. */
    static void echoHead(HttpParser p, ResponseWriter out) {
        if (p.chunkedBody) out.startChunked(200, OCTETS).endHeaders(!p.keepAlive, p.http10);
        else out.start(200, OCTETS, Math.max(0, p.contentLength)).endHeaders(!p.keepAlive, p.http10);
    }
}
