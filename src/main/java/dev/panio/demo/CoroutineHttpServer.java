package dev.panio.demo;

import dev.panio.coroutine.Blocking;
import dev.panio.coroutine.ThreadPerConnection;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import dev.panio.reactor.LoopMetrics;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo server's HTTP/1.1 as a coroutine server ({@code --backend virtual}): a
 * virtual thread per connection runs the exchange as straight-line code (read until a
 * request is complete, answer it, read again) and each read or write that would block parks
 * the thread on panio's shared {@code epoll} poller. There is no event loop, callback or
 * state machine in it: the reactor's {@link HttpHandler} keeps in fields what this keeps in
 * local variables and the position in the code.
 *
 * <p>It answers exactly as {@link HttpHandler} does, with the same parser, {@link Routes}
 * and limits: pipelined answers gathered into one write, keep-alive, {@code 100 Continue},
 * {@code POST /echo} streamed in both framings, a lingering close after an error or
 * {@code Connection: close}. The reactor's timers become deadlines on the reads
 * ({@link HttpService.Timeouts}): a header section not complete within 10 s is answered 408,
 * a connection that sends nothing for 60 s is closed, and a write that finds no room for
 * 30 s ends it.
 *
 * <p>Threads: {@link #start}, {@link #port} and {@link #close} from any thread.
 */
public final class CoroutineHttpServer implements AutoCloseable {
    private static final long WRITE_TIMEOUT = CoroutineEchoServer.WRITE_TIMEOUT_NANOS;
    private static final int FLUSH_BYTES = 32 * 1024;
    private static final int MAX_PENDING = HttpParser.MAX_HEADER_BYTES + 2 * HttpParser.MAX_BODY_BYTES;

    private final ThreadPerConnection server;
    private final HttpService service;
    private final LongAdder bytesRead = new LongAdder(), bytesWritten = new LongAdder(), reads = new LongAdder(), writes = new LongAdder();

    private CoroutineHttpServer(Socket listener, Path files, long maxBody, HttpService.Timeouts timeouts) throws ErrnoException {
        this.service = new HttpService(new HttpService.Figures() {
            @Override
            public String backendDescription() {
                return "virtual (coroutine server: a virtual thread per connection, parked on epoll readiness)";
            }

            @Override
            public List<LoopMetrics> loops() {
                return List.of(metrics());
            }
        }, 1, files, maxBody).withTimeouts(timeouts);
        this.server = new ThreadPerConnection(listener, "coroutine-http", s -> new Exchange(s).serve());
    }

    /**
     * Listens on {@code address} and serves until {@link #close}, with {@code files} under
     * {@code /files/} (null: none) and {@code POST /echo} bodies up to {@code maxBody} bytes
     * (-1: no limit).
     *
     * @param address the address to listen on; port 0 picks a free one
     * @param files   the directory served under {@code /files/}, or null
     * @param maxBody the largest {@code POST /echo} body, -1 for no limit
     * @return the running server
     * @throws IOException if the listening socket cannot be made, or the directory opened
     */
    public static CoroutineHttpServer start(InetSocketAddress address, Path files, long maxBody) throws IOException {
        return start(address, files, maxBody, HttpService.Timeouts.DEFAULT);
    }

    static CoroutineHttpServer start(InetSocketAddress address, Path files, long maxBody, HttpService.Timeouts timeouts) throws IOException {
        Socket listener = Socket.listen(address, 4096);
        try {
            return new CoroutineHttpServer(listener, files, maxBody, timeouts);
        } catch (ErrnoException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /**
     * The port it listens on.
     *
     * @return the bound port
     * @throws IOException if {@code getsockname} fails
     */
    public int port() throws IOException {
        return server.port();
    }

    /**
     * The counters {@code /stats} shows, as one loop (wakeups, turns and allocation are not counted).
     *
     * @return the counters now
     */
    public LoopMetrics metrics() {
        return new LoopMetrics(server.connections(), server.accepted(), server.acceptErrors(), bytesRead.sum(),
                bytesWritten.sum(), reads.sum(), writes.sum(), 0, 0, -1, server.failures());
    }

    /** Stops accepting and ends every connection. */
    @Override
    public void close() throws IOException {
        server.close();
        service.close();
    }

    /** Blocks until {@link #close} (for {@code main}). */
    void awaitClose() throws InterruptedException {
        server.awaitClose();
    }

    /** One connection, start to end, on its own virtual thread. */
    private final class Exchange {
        private final Socket s;
        private final long headerTimeout, idleTimeout;
        private final HttpParser parser = new HttpParser();
        private final ResponseWriter out = new ResponseWriter();
        private final ChunkedDecoder decoder = new ChunkedDecoder();
        /** Bytes read and not yet answered; the request being read starts at in[0] whenever more are read. */
        private byte[] in = new byte[2048];
        private int len;
        /** Off-heap memory each read lands in and each write leaves from (reads and writes take turns). */
        private MemorySegment io;

        Exchange(Socket s) {
            this.s = s;
            HttpService.Timeouts t = service.timeouts();
            this.headerTimeout = t.headerMillis() * 1_000_000L;
            this.idleTimeout = t.idleMillis() * 1_000_000L;
        }

        void serve() throws IOException {
            s.setTcpNoDelay(true); // as the reactor's connections: a head and the file after it are not held back
            try (Arena arena = Arena.ofConfined()) {
                io = arena.allocate(16 * 1024);
                requests();
            }
        }

        /** The keep-alive loop: answer every complete request, then read for the next. */
        private void requests() throws IOException {
            int at = 0;             // where the first unanswered request starts
            long headSince = 0;     // when the unfinished head at `at` was first seen (0: none)
            boolean continueSent = false;
            for (;;) {
                int r = at < len ? parser.parseHead(in, at, len) : HttpParser.NEED_MORE;
                if (r == HttpParser.OK && Routes.isEcho(parser, in)) {
                    at = echo();
                    if (at < 0) return;
                    headSince = 0;
                    continue;
                }
                if (r == HttpParser.OK) r = parser.parseBody(in, len);
                if (r == HttpParser.ERROR) {
                    refuse(parser.status);
                    return;
                }
                if (r == HttpParser.OK) {
                    at = parser.consumed();
                    headSince = 0;
                    continueSent = false;
                    answer();
                    if (!parser.keepAlive) {
                        closeLingering();
                        return;
                    }
                    if (out.length() >= FLUSH_BYTES) flush();
                    continue;
                }
                // More of this request is needed: send what is answered, then wait for it.
                boolean started = at < len;
                if (started && parser.headersDone && parser.expectContinue && !continueSent) {
                    continueSent = true; // the client waits for this before sending the body
                    out.continue100();
                }
                flush();
                compact(at);
                at = 0;
                if (len > MAX_PENDING) {
                    refuse(413);
                    return;
                }
                boolean inHead = started && !parser.headersDone;
                long timeout = idleTimeout;
                if (inHead) { // slowloris: a header section gets headerTimeout in all, however it trickles
                    if (headSince == 0) headSince = System.nanoTime();
                    timeout = Math.max(0, headSince + headerTimeout - System.nanoTime());
                }
                try {
                    if (!fill(timeout)) return; // the client closed
                } catch (SocketTimeoutException e) {
                    if (inHead) refuse(408);
                    return; // idle: closed without a response
                }
            }
        }

        private void answer() throws IOException {
            service.answered(0);
            HttpService.FileLookup f = Routes.answer(service, parser, in, out);
            if (f == null) return;
            try {
                flush(); // the file follows everything before it
                Blocking.sendFile(s, f.file(), 0, f.size(), WRITE_TIMEOUT);
                bytesWritten.add(f.size());
            } finally {
                HttpService.closeQuietly(f.file());
            }
        }

        /**
         * {@code POST /echo}: the response head now, then the body back as it arrives, in
         * bounded memory (a write that waits for the client holds back the next read). Returns
         * where the next request starts, or -1 when the connection is over.
         */
        private int echo() throws IOException {
            service.answered(0);
            HttpParser p = parser;
            long max = service.maxBody();
            if (max >= 0 && p.contentLength > max) {
                refuse(413);
                return -1;
            }
            if (p.expectContinue) out.continue100();
            Routes.echoHead(p, out);
            boolean keepAlive = p.keepAlive;
            int at = p.bodyAt;
            if (p.chunkedBody) {
                at = echoChunks(at, max);
                if (at < 0) return -1;
            } else {
                for (long remaining = Math.max(0, p.contentLength); remaining > 0; ) {
                    if (at == len) {
                        flush();
                        at = len = 0;
                        if (!fill(idleTimeout)) return -1;
                    }
                    int n = (int) Math.min(remaining, len - at);
                    out.body(in, at, n);
                    at += n;
                    remaining -= n;
                    if (out.length() >= FLUSH_BYTES) flush();
                }
            }
            if (!keepAlive) {
                closeLingering();
                return -1;
            }
            return at;
        }

        /** A chunked body decoded and echoed chunked; where the next request starts, or -1 (aborted or over). */
        private int echoChunks(int at, long max) throws IOException {
            decoder.reset();
            boolean[] overLimit = {false};
            ChunkedDecoder.Sink sink = (data, from, n) -> {
                if (max >= 0 && decoder.total() + n > max) { // checked before a byte of it is echoed
                    overLimit[0] = true;
                    return false;
                }
                out.chunk(data, from, n);
                return out.length() < FLUSH_BYTES; // else pause: flushed below
            };
            for (;;) {
                int r = decoder.decode(in, at, len, sink);
                at = decoder.at;
                if (r == ChunkedDecoder.ERROR || overLimit[0]) {
                    // The 200 is on its way: a malformed or oversized body can only end the
                    // connection before the last chunk, which tells the client the response is incomplete.
                    flush();
                    // Closed as the reactor's abort() closes: at once, a plain close(2) (a FIN,
                    // or the kernel's reset if unread input is left), not SO_LINGER 0.
                    return -1;
                }
                if (r == ChunkedDecoder.DONE) {
                    out.lastChunk();
                    return at;
                }
                flush();
                if (r == ChunkedDecoder.NEED_MORE) {
                    compact(at);
                    at = 0;
                    if (!fill(idleTimeout)) return -1;
                }
            }
        }

        /** Answers {@code status} after the answers before it, then closes lingering. */
        private void refuse(int status) throws IOException {
            Routes.error(out, status);
            closeLingering();
        }

        /**
         * Ends the connection after the answers built so far: output shut down once they are
         * sent, so the client reads them and then the end, and what the client still sends
         * read and dropped until it closes, {@link HttpHandler#LINGER_BYTES} arrive or the
         * linger timeout passes. Closing with unread input at once would make the
         * kernel answer with a reset, which can destroy the answers before the client reads them.
         */
        private void closeLingering() throws IOException {
            flush();
            s.shutdownOutput();
            long deadline = System.nanoTime() + service.timeouts().lingerMillis() * 1_000_000L;
            for (long dropped = 0; dropped <= HttpHandler.LINGER_BYTES; ) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return;
                long n;
                try {
                    n = Blocking.read(s, io, left);
                } catch (SocketTimeoutException e) {
                    return;
                }
                if (n <= 0) return;
                dropped += n;
            }
        }

        /**
         * Reads what comes into {@code in} after its {@code len} bytes, waiting at most
         * {@code timeoutNanos}; false at the end of the stream.
         */
        private boolean fill(long timeoutNanos) throws IOException {
            if (len == in.length) in = Arrays.copyOf(in, in.length * 2); // bounded by the MAX_PENDING checks
            int room = (int) Math.min(in.length - len, io.byteSize());
            long n = Blocking.read(s, io.asSlice(0, room), timeoutNanos);
            if (n <= 0) return false;
            MemorySegment.copy(io, ValueLayout.JAVA_BYTE, 0, in, len, (int) n);
            len += (int) n;
            reads.increment();
            bytesRead.add(n);
            return true;
        }

        /** Drops the answered bytes before {@code at}. */
        private void compact(int at) {
            if (at == 0) return;
            System.arraycopy(in, at, in, 0, len - at);
            len -= at;
            if (len < 2048 && in.length > 16 * 1024) in = Arrays.copyOf(in, 2048); // a large body is done: do not keep its memory
        }

        private void flush() throws IOException {
            int n = out.length();
            if (n == 0) return;
            out.writeTo(s, io, WRITE_TIMEOUT);
            writes.increment();
            bytesWritten.add(n);
        }
    }

    /**
     * {@link DemoServer} with {@code --backend virtual}.
     *
     * @param args the demo server's options
     * @throws Exception as {@link DemoServer#main}
     */
    public static void main(String[] args) throws Exception {
        DemoServer.main(append(args, "--backend", "virtual"));
    }

    private static String[] append(String[] a, String... more) {
        String[] all = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, all, a.length, more.length);
        return all;
    }
}
