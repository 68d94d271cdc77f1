package dev.panio.demo;

import static dev.panio.demo.ResponseWriter.ascii;

import dev.panio.reactor.CloseCause;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.Timer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The demo server's HTTP/1.1 connection: requests parsed as bytes arrive, answered in
 * order (pipelining), keep-alive by default, and a close after any malformed request with
 * the status it deserves. A request whose header section is not complete within
 * {@link #HEADER_TIMEOUT_MS} is answered 408 and closed (slowloris).
 *
 * <p>Bytes are parsed where they are: in a per-thread scratch array when a read holds
 * whole requests (the steady state of keep-alive and pipelined clients), and only the tail
 * of a request split across reads is kept with the connection. With the allocation-free
 * parser and response writer, answering {@code /plaintext} allocates nothing.
 */
final class HttpHandler implements ConnectionHandler {
    static final long HEADER_TIMEOUT_MS = 10_000;
    private static final int FLUSH_BYTES = 32 * 1024;
    private static final int MAX_PENDING = HttpParser.MAX_HEADER_BYTES + 2 * HttpParser.MAX_BODY_BYTES;

    /** Per-thread working memory: the read copy and the response being built. */
    private static final class Scratch {
        byte[] in = new byte[16 * 1024];
        final ResponseWriter out = new ResponseWriter();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final HttpService service;
    private final HttpParser parser = new HttpParser();
    private byte[] pending;       // an incomplete request (or requests held back by backpressure)
    private int pendingLen;
    private boolean closing;
    private boolean suspended;
    private Timer headerTimer;
    private Connection connection; // for the header timer's task

    HttpHandler(HttpService service) {
        this.service = service;
    }

    @Override
    public void onData(Connection c, MemorySegment data) {
        if (closing) return;
        int n = (int) data.byteSize();
        if (pendingLen == 0 && !suspended) {
            Scratch s = SCRATCH.get();
            if (s.in.length < n) s.in = new byte[n];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, s.in, 0, n);
            int used = process(c, s.in, n, s.out);
            if (used < n && !closing) keep(s.in, used, n);
            return;
        }
        if (pendingLen + n > MAX_PENDING) {
            fail(c, 413);
            return;
        }
        if (pending == null || pending.length < pendingLen + n) {
            pending = Arrays.copyOf(pending == null ? new byte[0] : pending, Math.max(4096, Math.max(pendingLen + n, pendingLen * 2)));
        }
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, pending, pendingLen, n);
        pendingLen += n;
        if (!suspended) processPending(c);
    }

    @Override
    public void onWritable(Connection c) {
        if (!suspended || closing) return;
        suspended = false;
        c.resumeReading();
        processPending(c);
    }

    private void processPending(Connection c) {
        if (pendingLen == 0) return;
        int used = process(c, pending, pendingLen, SCRATCH.get().out);
        if (closing) return;
        System.arraycopy(pending, used, pending, 0, pendingLen - used);
        pendingLen -= used;
        if (pendingLen == 0 && pending.length > 16 * 1024) pending = null; // a large body is done: do not keep its memory
    }

    private void keep(byte[] b, int from, int to) {
        int n = to - from;
        if (pending == null || pending.length < n) pending = new byte[Math.max(4096, n)];
        System.arraycopy(b, from, pending, 0, n);
        pendingLen = n;
    }

    /**
     * Answers the complete requests in {@code b[0, len)}, their responses gathered into one
     * write (pipelining); returns where the unanswered bytes start.
     */
    private int process(Connection c, byte[] b, int len, ResponseWriter out) {
        int at = 0;
        boolean more = true;
        while (!closing && at < len) {
            int r = parser.parse(b, at, len);
            if (r == HttpParser.NEED_MORE) {
                if (headerTimer == null) {
                    connection = c;
                    headerTimer = c.loop().schedule(this::headerTimeout, HEADER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                }
                break;
            }
            if (headerTimer != null) {
                headerTimer.cancel();
                headerTimer = null;
            }
            if (r == HttpParser.ERROR) {
                out.writeTo(c);
                fail(c, parser.status);
                return len;
            }
            at = parser.consumed();
            more = respond(c, b, out);
            if (!parser.keepAlive) {
                out.writeTo(c);
                closing = true;
                c.close();
                return len;
            }
            if (out.length() >= FLUSH_BYTES) more = out.writeTo(c) && more;
            if (!more) break;
        }
        more = out.writeTo(c) && more;
        if (!more && !closing && c.isOpen()) {
            suspended = true; // backpressure: the rest waits for onWritable
            c.suspendReading();
        }
        return at;
    }

    private void headerTimeout() {
        headerTimer = null;
        fail(connection, 408);
    }

    private boolean respond(Connection c, byte[] b, ResponseWriter out) {
        HttpParser p = parser;
        boolean head = p.method == HttpParser.HEAD;
        if (p.method == HttpParser.OTHER_KNOWN || p.method == HttpParser.UNKNOWN) {
            int status = p.method == HttpParser.OTHER_KNOWN ? 405 : 501;
            return send(c, out, status, TEXT, ascii("method " + p.methodName(b) + " not supported\n"), ALLOW_GET_HEAD_POST, false);
        }
        boolean post = p.method == HttpParser.POST;
        if (p.pathIs(b, PLAINTEXT) || p.pathIs(b, ROOT)) {
            return post ? send(c, out, 405, TEXT, USE_GET, ALLOW_GET_HEAD, false) : send(c, out, 200, TEXT, HELLO, NONE, head);
        }
        if (p.pathIs(b, ECHO)) {
            if (!post) return send(c, out, 405, TEXT, USE_POST, ALLOW_POST, head);
            out.start(200, OCTETS, p.bodyLength).endHeaders(!p.keepAlive).body(p.bodyArray, p.bodyStart, p.bodyLength);
            return true;
        }
        if (p.pathIs(b, STATS)) {
            return send(c, out, 200, JSON, service.stats().getBytes(StandardCharsets.UTF_8), NO_STORE, head);
        }
        if (p.pathIs(b, STATUS)) {
            return send(c, out, 200, HTML, StatusPage.html(service.group).getBytes(StandardCharsets.UTF_8), NONE, head);
        }
        if (p.pathStartsWith(b, FILES) && service.servesFiles()) {
            if (post) return send(c, out, 405, TEXT, USE_GET, ALLOW_GET_HEAD, false);
            return sendFile(c, b, out, head);
        }
        return send(c, out, 404, TEXT, NOT_FOUND, NONE, head);
    }

    private boolean sendFile(Connection c, byte[] b, ResponseWriter out, boolean head) {
        String relative = Paths.decode(b, parser.targetStart + FILES.length, parser.pathEnd);
        if (relative == null) return send(c, out, 400, TEXT, ascii("bad percent-encoding in path\n"), NONE, head);
        HttpService.FileLookup f = service.open(relative);
        if (f.file() == null) {
            byte[] why = f.status() == 403 ? ascii("path leaves the served directory\n") : ascii(ResponseWriter.reason(f.status()) + "\n");
            return send(c, out, f.status(), TEXT, why, NONE, head);
        }
        out.start(200, Paths.contentType(relative), f.size()).endHeaders(!parser.keepAlive);
        boolean more = out.writeTo(c); // the file follows everything before it
        if (head) {
            HttpService.closeQuietly(f.file());
            return more;
        }
        return c.sendFile(f.file(), 0, f.size());
    }

    private void fail(Connection c, int status) {
        if (closing) return;
        closing = true;
        ResponseWriter out = SCRATCH.get().out;
        byte[] body = ascii(ResponseWriter.reason(status) + "\n");
        out.reset(); // a half-built batch (none outside process) never precedes an error
        out.start(status, TEXT, body.length).endHeaders(true).body(body, 0, body.length);
        out.writeTo(c);
        c.close();
    }

    private boolean send(Connection c, ResponseWriter out, int status, byte[] type, byte[] body, byte[] extra, boolean head) {
        out.start(status, type, body.length).header(extra).endHeaders(!parser.keepAlive);
        if (!head) out.body(body, 0, body.length);
        return true;
    }

    @Override
    public void onClose(Connection c, CloseCause cause, IOException error) {
        if (headerTimer != null) headerTimer.cancel();
    }

    private static final byte[] HELLO = ascii("Hello, World!"), NOT_FOUND = ascii("not found\n"), USE_GET = ascii("use GET\n"),
            USE_POST = ascii("use POST\n"), TEXT = ascii("text/plain"), OCTETS = ascii("application/octet-stream"),
            JSON = ascii("application/json"), HTML = ascii("text/html; charset=utf-8"), NONE = new byte[0],
            NO_STORE = ascii("Cache-Control: no-store\r\n"), ALLOW_GET_HEAD = ascii("Allow: GET, HEAD\r\n"),
            ALLOW_POST = ascii("Allow: POST\r\n"), ALLOW_GET_HEAD_POST = ascii("Allow: GET, HEAD, POST\r\n"),
            PLAINTEXT = ascii("/plaintext"), ROOT = ascii("/"), ECHO = ascii("/echo"), STATS = ascii("/stats"),
            STATUS = ascii("/status"), FILES = ascii("/files/");
}
