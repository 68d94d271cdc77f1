package dev.panio.demo;

import dev.panio.reactor.CloseCause;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.Timer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The demo server's HTTP/1.1 connection: requests parsed as bytes arrive, answered in
 * order (pipelining), keep-alive by default (HTTP/1.0 when asked, announced in the
 * response), {@code 100 Continue} before the body of a request that expects it, and a close
 * after any malformed request with the status it deserves. A request whose header section is
 * not complete within the header timeout ({@link HttpService.Timeouts}) is answered 408
 * and closed (slowloris); a connection idle for the idle timeout (nothing read or written: silent from the
 * start, unused keep-alive, a body that stopped coming) is closed.
 *
 * <p>Closing after a response (an error, {@code Connection: close}) is lingering: the server
 * shuts down its output, so the client reads the whole response, then reads and discards
 * what the client still sends for up to the linger timeout or {@link #LINGER_BYTES} before
 * closing. Closing with unread input at once would make the kernel answer with a reset,
 * which can destroy the response before the client has read it.
 *
 * <p>Bytes are parsed where they are: in a per-thread scratch array when a read holds
 * whole requests (the steady state of keep-alive and pipelined clients), and only the tail
 * of a request split across reads is kept with the connection. With the allocation-free
 * parser and response writer, answering {@code /plaintext} allocates nothing.
 */
final class HttpHandler implements ConnectionHandler {
    /** How much it drops at most: enough for a client that sends its whole upload before reading the refusal. */
    static final long LINGER_BYTES = 64L << 20;
    private static final int FLUSH_BYTES = 32 * 1024;
    private static final int MAX_PENDING = HttpParser.MAX_HEADER_BYTES + 2 * HttpParser.MAX_BODY_BYTES;

    /** Per-thread working memory: the read copy and the response being built. */
    private static final class Scratch {
        byte[] in = new byte[16 * 1024];
        final ResponseWriter out = new ResponseWriter();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final HttpService service;
    private final HttpService.Timeouts timeouts;
    private final HttpParser parser = new HttpParser();
    private byte[] pending;       // an incomplete request (or requests held back by backpressure)
    private int pendingLen;
    private boolean closing;
    private boolean lingering;
    private long discarded;
    private boolean continueSent;
    private boolean suspended;
    // POST /echo streams its body back as it arrives (see streamEcho)
    private boolean streaming;
    private boolean streamChunked;
    private long streamRemaining;  // Content-Length mode: body bytes still to come
    private boolean streamKeepAlive;
    private final ChunkedDecoder decoder = new ChunkedDecoder();
    private volatile Timer headerTimer;
    private volatile int headerGen; // which header timer is current
    /** Serialises callbacks with the header timer where they run on different threads (null: they do not). */
    private java.util.concurrent.locks.ReentrantLock lock;
    private boolean overLimit; // the streamed body passed --max-body
    private Connection connection; // for the header timer's task

    HttpHandler(HttpService service) {
        this.service = service;
        this.timeouts = service.timeouts();
    }

    @Override
    public void onOpen(Connection c) {
        // On the thread backends callbacks run on the connection's own thread and timers on the
        // loop thread: the header timer's 408 must not run into a callback.
        if (!c.loop().inEventLoop()) lock = new java.util.concurrent.locks.ReentrantLock();
        // A connection that sends nothing, a keep-alive connection left unused, a body that
        // stops coming: each holds an fd until this ends it (nginx waits 60 to 75 s).
        c.setIdleTimeout(timeouts.idleMillis());
    }

    @Override
    public void onData(Connection c, MemorySegment data) {
        var l = lock;
        if (l == null) {
            handleData(c, data);
            return;
        }
        l.lock();
        try {
            handleData(c, data);
        } finally {
            l.unlock();
        }
    }

    private void handleData(Connection c, MemorySegment data) {
        if (lingering) {
            discarded += data.byteSize();
            if (discarded > LINGER_BYTES) c.close();
            return;
        }
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
        int need = pendingLen + n;
        if (pending == null || pending.length < need) {
            // doubling, but never past the limit plus this read: a stalled request holds at most that
            int grown = Math.max(need, Math.min(pendingLen * 2, MAX_PENDING + n));
            pending = Arrays.copyOf(pending == null ? new byte[0] : pending, Math.max(4096, grown));
        }
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, pending, pendingLen, n);
        pendingLen += n;
        if (!suspended) processPending(c);
    }

    @Override
    public void onWritable(Connection c) {
        var l = lock;
        if (l == null) {
            handleWritable(c);
            return;
        }
        l.lock();
        try {
            handleWritable(c);
        } finally {
            l.unlock();
        }
    }

    private void handleWritable(Connection c) {
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
        // Checked after the complete requests are answered, so that only the unfinished one
        // counts, whatever requests after it came in the same read: the same bytes get the
        // same answer however they are split.
        if (!suspended && pendingLen > MAX_PENDING) fail(c, 413);
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
        while (!closing && (at < len || streaming && !streamChunked && streamRemaining == 0)) {
            if (streaming) {
                at = streamEcho(c, b, at, len, out);
                if (closing) return len;
                if (streaming) {
                    more = !suspended; // streamEcho suspended reading for backpressure, or needs more bytes
                    break;
                }
                if (!streamKeepAlive) {
                    out.writeTo(c);
                    closeLingering(c);
                    return len;
                }
                continue;
            }
            int r = parser.parseHead(b, at, len);
            if (r == HttpParser.OK && Routes.isEcho(parser, b)) {
                at = startEcho(c, out);
                if (closing) return len;
                continue;
            }
            if (r == HttpParser.OK) r = parser.parseBody(b, len);
            if (r == HttpParser.NEED_MORE && parser.headersDone && parser.expectContinue && !continueSent) {
                continueSent = true; // the client waits for this before sending the body
                out.continue100();
            }
            if (r == HttpParser.NEED_MORE) {
                if (!parser.headersDone) {
                    if (headerTimer == null) {
                        connection = c;
                        int gen = ++headerGen;
                        headerTimer = c.loop().schedule(() -> headerTimeout(gen), timeouts.headerMillis(), TimeUnit.MILLISECONDS);
                    }
                } else if (headerTimer != null) {
                    // the body is coming: a stalled one is ended by the idle timeout, not answered 408
                    headerTimer.cancel();
                    headerTimer = null;
                }
                break;
            }
            if (headerTimer != null) {
                headerTimer.cancel();
                headerTimer = null;
            }
            if (r == HttpParser.ERROR) {
                out.writeTo(c); // the responses to the requests before it go first
                fail(c, parser.status);
                return len;
            }
            at = parser.consumed();
            continueSent = false;
            more = respond(c, b, out);
            if (!parser.keepAlive) {
                out.writeTo(c);
                closeLingering(c);
                return len;
            }
            if (out.length() >= FLUSH_BYTES) more = out.writeTo(c) && more;
            if (!more) break;
        }
        more = out.writeTo(c) && more;
        if (!more && !closing && c.isOpen()) suspend(c); // backpressure: the rest waits for onWritable
        return at;
    }

    /**
     * Starts answering {@code POST /echo} before its body is read: the response headers now
     * (the body's own Content-Length, or chunked for a chunked body), then the body as it
     * arrives, so a body of any size echoes in bounded memory. Returns where the body starts.
     */
    private int startEcho(Connection c, ResponseWriter out) {
        service.answered(c.loop().index());
        HttpParser p = parser;
        if (headerTimer != null) {
            headerTimer.cancel();
            headerTimer = null;
        }
        long max = service.maxBody();
        if (max >= 0 && p.contentLength > max) {
            out.writeTo(c);
            fail(c, 413);
            return p.bodyAt;
        }
        if (p.expectContinue) out.continue100();
        streaming = true;
        streamKeepAlive = p.keepAlive;
        streamChunked = p.chunkedBody;
        Routes.echoHead(p, out);
        decoder.reset();
        streamRemaining = Math.max(0, p.contentLength);
        return p.bodyAt;
    }

    /**
     * Echoes what is available of the body being streamed; returns where it stopped. Under
     * backpressure (the peer reads slower than it sends) reading is suspended until
     * {@code onWritable}, the rest staying with the connection.
     */
    private int streamEcho(Connection c, byte[] b, int at, int len, ResponseWriter out) {
        if (!streamChunked) {
            int n = (int) Math.min(streamRemaining, len - at);
            out.body(b, at, n);
            streamRemaining -= n;
            at += n;
            if (streamRemaining == 0) streaming = false;
            if (!out.writeTo(c) && c.isOpen()) suspend(c);
            return at;
        }
        overLimit = false;
        int r = decoder.decode(b, at, len, (data, from, n) -> {
            long max = service.maxBody();
            if (max >= 0 && decoder.total() + n > max) { // checked before a byte of it is echoed
                overLimit = true;
                return false;
            }
            out.chunk(data, from, n);
            return out.length() < FLUSH_BYTES || out.writeTo(c);
        });
        at = decoder.at;
        if (r == ChunkedDecoder.ERROR || overLimit) {
            // The 200 is on its way: a malformed or oversized body can only end the connection
            // before the last chunk, which tells the client the response is incomplete.
            out.writeTo(c);
            closing = true;
            c.abort();
            return len;
        }
        if (r == ChunkedDecoder.DONE) {
            out.lastChunk();
            streaming = false;
        }
        if (!out.writeTo(c) && c.isOpen() || r == ChunkedDecoder.PAUSED) suspend(c);
        return at;
    }

    private void suspend(Connection c) {
        if (suspended) return;
        suspended = true;
        c.suspendReading();
    }

    private void headerTimeout(int gen) {
        var l = lock;
        if (l == null) {
            headerTimer = null;
            fail(connection, 408);
        } else if (l.tryLock()) { // never wait on the loop thread: the owner may be in a long write
            try {
                // the request completed (or another began) meanwhile: not this timer's to fail
                if (gen != headerGen || headerTimer == null || closing) return;
                headerTimer = null;
                fail(connection, 408);
            } finally {
                l.unlock();
            }
        } else {
            // the connection's thread is in a callback: look again shortly
            connection.loop().schedule(() -> headerTimeout(gen), 50, TimeUnit.MILLISECONDS);
        }
    }

    private boolean respond(Connection c, byte[] b, ResponseWriter out) {
        service.answered(c.loop().index());
        HttpService.FileLookup f = Routes.answer(service, parser, b, out);
        if (f == null) return true;
        out.writeTo(c); // the file follows everything before it
        return c.sendFile(f.file(), 0, f.size());
    }

    private void fail(Connection c, int status) {
        if (closing) return;
        closing = true;
        ResponseWriter out = SCRATCH.get().out;
        out.reset(); // a half-built batch (none outside process) never precedes an error
        Routes.error(out, status);
        out.writeTo(c);
        closeLingering(c);
    }

    /**
     * Ends the connection after the responses written so far: output shut down once they are
     * flushed (the client reads them, then end of stream), input read and discarded until the
     * client closes, {@link #LINGER_BYTES} arrive, or the linger timeout passes, then closed.
     */
    private void closeLingering(Connection c) {
        closing = true;
        if (lingering) return;
        lingering = true;
        if (headerTimer != null) {
            headerTimer.cancel();
            headerTimer = null;
        }
        if (suspended) {
            suspended = false;
            c.resumeReading(); // keep draining what the client sends, or its send could block on us
        }
        c.shutdownOutput();
        try {
            c.loop().schedule(c::close, timeouts.lingerMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            c.close(); // the group's shutdown closes it anyway
        }
    }

    @Override
    public void onInputClosed(Connection c) {
        c.close(); // the client is done (while lingering: it has read the response and closed)
    }

    @Override
    public void onClose(Connection c, CloseCause cause, IOException error) {
        if (headerTimer != null) headerTimer.cancel();
    }
}
