package dev.panio.reactor;

import static dev.panio.reactor.ReactorSuiteTest.ANY;
import static dev.panio.reactor.ReactorSuiteTest.client;
import static dev.panio.reactor.ReactorSuiteTest.opts;
import static dev.panio.reactor.ReactorSuiteTest.random;
import static dev.panio.reactor.ReactorSuiteTest.start;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.net.UnixAddress;
import dev.panio.testkit.NoFdLeaks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hang-up while reading is suspended, on every backend: level-triggered epoll and poll take
 * the connection out of the poller (they report a hang-up on every wait), and nothing may be
 * lost by that — unread bytes, queued writes that can only fail, closes, timeouts, shutdown.
 * Written by an adversarial review of that change; the two Unix cases with queued writes
 * hung on epoll and poll before their fix.
 */
@NoFdLeaks
@Timeout(120)
class HangUpTest {

    /** A server handler recording what it sees. */
    static class Rec implements ConnectionHandler {
        final boolean suspendOnOpen, shutOnOpen;
        volatile boolean suspendOnEveryData;
        volatile boolean keepHalfOpen;
        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        final CompletableFuture<Long> inputClosed = new CompletableFuture<>(); // bytes seen by then
        final CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger suspends = new AtomicInteger();
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        volatile IOException error;

        Rec(boolean suspendOnOpen, boolean shutOnOpen) {
            this.suspendOnOpen = suspendOnOpen;
            this.shutOnOpen = shutOnOpen;
        }

        @Override
        public void onOpen(Connection c) {
            if (suspendOnOpen) c.suspendReading();
            if (shutOnOpen) c.shutdownOutput();
            opened.complete(c);
        }

        @Override
        public void onData(Connection c, MemorySegment data) {
            synchronized (got) {
                got.writeBytes(data.toArray(ValueLayout.JAVA_BYTE));
            }
            if (suspendOnEveryData) {
                c.suspendReading();
                suspends.incrementAndGet();
            }
        }

        @Override
        public void onInputClosed(Connection c) {
            synchronized (got) {
                inputClosed.complete((long) got.size());
            }
            if (!keepHalfOpen) c.close();
        }

        @Override
        public void onClose(Connection c, CloseCause cause, IOException e) {
            closes.incrementAndGet();
            error = e;
            closed.complete(cause);
        }

        byte[] bytes() {
            synchronized (got) {
                return got.toByteArray();
            }
        }
    }

    static long turnsOver(EventLoopGroup g, long millis) throws InterruptedException {
        long before = g.loops().get(0).metrics().turns();
        Thread.sleep(millis);
        return g.loops().get(0).metrics().turns() - before;
    }

    static void assertNoSpin(EventLoopGroup g, String what) throws InterruptedException {
        Thread.sleep(100);
        long t = turnsOver(g, 300);
        assertTrue(t < 1000, t + " loop turns in 300 ms " + what + ": it spins");
    }

    /** TCP: server suspends + shuts output; the peer sends {@code payload} and its FIN: a hang-up with data unread. */
    static Socket hangUpWithData(Listener l, Rec r, byte[] payload) throws Exception {
        Socket peer = client(l);
        r.opened.get(10, TimeUnit.SECONDS);
        assertEquals(-1, peer.getInputStream().read(), "the server's output is shut");
        peer.getOutputStream().write(payload);
        peer.shutdownOutput();
        return peer;
    }

    // ---- data unread at the hang-up -------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.panio.reactor.ReactorSuiteTest#backends")
    void dataUnreadAtTheHangUpIsAllDeliveredAfterAResumeFromAnotherThread(Backend b) throws Exception {
        Rec r = new Rec(true, true);
        byte[] payload = random(60_000, 1);
        try (EventLoopGroup g = start(b, opts().withLoops(1).withReadBuffer(4096));
                Listener l = g.listen(ANY, () -> r);
                Socket peer = hangUpWithData(l, r, payload)) {
            assertNoSpin(g, "with a hang-up and 60 KB unread while suspended");
            assertFalse(r.inputClosed.isDone());
            assertEquals(0, r.bytes().length);
            r.opened.get().resumeReading(); // from the test thread
            long atEnd = r.inputClosed.get(10, TimeUnit.SECONDS);
            assertEquals(payload.length, atEnd, "every byte delivered before onInputClosed");
            assertEquals(CloseCause.PEER_CLOSED, r.closed.get(10, TimeUnit.SECONDS));
            assertArrayEquals(payload, r.bytes());
            Thread.sleep(50);
            assertEquals(1, r.closes.get());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.panio.reactor.ReactorSuiteTest#backends")
    void suspendAndResumeOnEveryChunkAfterTheHangUp(Backend b) throws Exception {
        Rec r = new Rec(true, true);
        r.suspendOnEveryData = true;
        byte[] payload = random(40_000, 2);
        try (EventLoopGroup g = start(b, opts().withLoops(1).withReadBuffer(4096));
                Listener l = g.listen(ANY, () -> r);
                Socket peer = hangUpWithData(l, r, payload)) {
            Connection c = r.opened.get();
            assertNoSpin(g, "at the first hang-up");
            int rounds = 0;
            while (!r.inputClosed.isDone()) {
                int seen = r.suspends.get();
                c.resumeReading();
                for (int i = 0; i < 500 && r.suspends.get() == seen && !r.inputClosed.isDone(); i++) Thread.sleep(10);
                if (++rounds % 4 == 0 && !r.inputClosed.isDone()) assertNoSpin(g, "suspended again after " + rounds + " resumes");
                assertTrue(rounds < 1000, "no progress");
            }
            assertEquals(payload.length, r.inputClosed.get());
            assertEquals(CloseCause.PEER_CLOSED, r.closed.get(10, TimeUnit.SECONDS));
            assertArrayEquals(payload, r.bytes());
        }
    }

    // ---- ending while unwatched -----------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.panio.reactor.ReactorSuiteTest#backends")
    void closeAbortWriteIdleAndShutdownWhileUnwatched(Backend b) throws Exception {
        for (String how : new String[] {"close", "abort", "idle", "group", "write-then-close"}) {
            Rec r = new Rec(true, true);
            ReactorOptions o = opts().withLoops(1);
            if (how.equals("idle")) o = o.withIdleTimeout(400).withWriteTimeout(300);
            EventLoopGroup g = start(b, o);
            try (Listener l = g.listen(ANY, () -> r); Socket peer = hangUpWithData(l, r, new byte[] {1, 2, 3})) {
                assertNoSpin(g, how);
                Connection c = r.opened.get();
                switch (how) {
                    case "close" -> c.close();
                    case "abort" -> c.abort();
                    case "idle" -> { }
                    case "group" -> g.close();
                    case "write-then-close" -> {
                        assertFalse(c.write(MemorySegment.ofArray(new byte[] {9})), "output is shut: refused");
                        c.close();
                    }
                    default -> fail();
                }
                CloseCause cause = r.closed.get(10, TimeUnit.SECONDS);
                assertEquals(how.equals("idle") ? CloseCause.TIMEOUT : CloseCause.LOCAL, cause, how);
                Thread.sleep(50);
                assertEquals(1, r.closes.get(), how + ": onClose once");
                if (!how.equals("group")) ReactorSuiteTest.echoOnce(g.listen(ANY, EchoHandler::new));
            } finally {
                g.close();
            }
        }
    }

    // ---- resets -----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.panio.reactor.ReactorSuiteTest#backends")
    void aHangUpOnAnOutboundConnection(Backend b) throws Exception {
        Rec r = new Rec(true, true);
        byte[] payload = random(50_000, 3);
        try (EventLoopGroup g = start(b, opts().withLoops(1)); ServerSocket ss = new ServerSocket(0, 5, ANY.getAddress())) {
            g.connect(new java.net.InetSocketAddress(ANY.getAddress(), ss.getLocalPort()), r, 5000).get(10, TimeUnit.SECONDS);
            try (Socket peer = ss.accept()) {
                peer.setSoTimeout(10_000);
                assertEquals(-1, peer.getInputStream().read());
                peer.getOutputStream().write(payload);
                peer.shutdownOutput();
                assertNoSpin(g, "outbound, hung up while suspended");
                r.opened.get().resumeReading();
                assertEquals(payload.length, r.inputClosed.get(10, TimeUnit.SECONDS));
                assertEquals(CloseCause.PEER_CLOSED, r.closed.get(10, TimeUnit.SECONDS));
                assertArrayEquals(payload, r.bytes());
            }
        }
    }

    // ---- Unix stream: a peer can hang up (SHUT_RDWR) and still act afterwards -------------

    private static UnixAddress name(String what, Backend b) {
        return UnixAddress.abstractName("panio-hup-" + what + "-" + b + "-" + System.nanoTime());
    }

    /** Handlers that suspend reading, queue 2 MiB (more than a Unix socket takes) and report to {@code r}. */
    static java.util.function.Supplier<ConnectionHandler> queuesThenSuspends(Rec r) {
        return () -> new Rec(false, false) {
            @Override
            public void onOpen(Connection c) {
                c.suspendReading();
                c.write(MemorySegment.ofArray(new byte[2 * 1024 * 1024]));
                r.opened.complete(c);
            }

            @Override
            public void onData(Connection c, MemorySegment d) { }

            @Override
            public void onClose(Connection c, CloseCause cause, IOException e) {
                r.onClose(c, cause, e);
            }
        };
    }

    /**
     * The server queues more than the socket takes and suspends reading (the peer is not
     * reading). The peer shuts both directions (a hang-up, no error, no write space) and then
     * closes with the server's bytes unread: the kernel sets ECONNRESET on the server's socket.
     * The connection must end (RESET), as it did before the change; suspended reading must
     * not hide a dead peer from a connection with queued writes.
     */
    @ParameterizedTest
    @MethodSource("dev.panio.reactor.ReactorSuiteTest#backends")
    void unixPeerShutsBothThenClosesWhileWritesAreQueuedAndReadingSuspended(Backend b) throws Exception {
        assumeTrue(b != Backend.BLOCKING && b != Backend.VIRTUAL, "a write in onOpen blocks on thread-per-connection backends");
        Rec r = new Rec(false, false);
        UnixAddress at = name("close", b);
        try (EventLoopGroup g = start(b, opts().withLoops(1)); Listener l = g.listen(at, queuesThenSuspends(r))) {
            dev.panio.net.Socket peer = dev.panio.net.Socket.open(dev.panio.net.Socket.Family.UNIX, dev.panio.net.Socket.Type.STREAM, false);
            Connection c;
            try {
                peer.connect(at);
                c = r.opened.get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 200 && c.queuedBytes() == 0; i++) Thread.sleep(10);
                assertTrue(c.queuedBytes() > 0, "writes queued");
                peer.shutdownBoth();
                Thread.sleep(200);
            } finally {
                peer.close(); // with the server's bytes unread: ECONNRESET on the server's socket
            }
            try {
                CloseCause cause = r.closed.get(5, TimeUnit.SECONDS);
                assertEquals(CloseCause.RESET, cause);
            } catch (TimeoutException stuck) {
                long q = c.queuedBytes();
                c.resumeReading();
                CloseCause after = r.closed.get(5, TimeUnit.SECONDS);
                fail("peer gone, " + q + " bytes queued, yet the connection did not end in 5 s; a resumeReading then ended it: "
                        + after + " " + r.error);
            }
        }
    }

    /** As above, but the peer, after SHUT_RDWR, reads what the server sent: write space comes back; the rest must fail with EPIPE. */
    @ParameterizedTest
    @MethodSource("dev.panio.reactor.ReactorSuiteTest#backends")
    void unixPeerShutsBothThenDrainsWhileWritesAreQueuedAndReadingSuspended(Backend b) throws Exception {
        assumeTrue(b != Backend.BLOCKING && b != Backend.VIRTUAL, "a write in onOpen blocks on thread-per-connection backends");
        Rec r = new Rec(false, false);
        UnixAddress at = name("drain", b);
        try (EventLoopGroup g = start(b, opts().withLoops(1)); Listener l = g.listen(at, queuesThenSuspends(r));
                dev.panio.net.Socket peer = dev.panio.net.Socket.open(dev.panio.net.Socket.Family.UNIX, dev.panio.net.Socket.Type.STREAM, false);
                Arena arena = Arena.ofConfined()) {
            peer.connect(at);
            Connection c = r.opened.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 200 && c.queuedBytes() == 0; i++) Thread.sleep(10);
            assertTrue(c.queuedBytes() > 0, "writes queued");
            peer.shutdownBoth();
            Thread.sleep(200);
            MemorySegment buf = arena.allocate(65536);
            long drained = 0;
            for (long n; (n = peer.read(buf)) > 0; ) drained += n;
            long q = c.queuedBytes();
            try {
                assertEquals(CloseCause.RESET, r.closed.get(5, TimeUnit.SECONDS));
            } catch (TimeoutException stuck) {
                c.resumeReading();
                CloseCause after = r.closed.get(5, TimeUnit.SECONDS);
                fail("peer drained " + drained + " bytes after SHUT_RDWR; the server kept " + q
                        + " bytes queued and did not end in 5 s; a resumeReading then ended it: " + after + " " + r.error);
            }
        }
    }

    /** Unix: reading on, the peer closes; the handler keeps the half-open connection (no close in onInputClosed), then writes. */
    @ParameterizedTest
    @MethodSource("dev.panio.reactor.ReactorSuiteTest#backends")
    void unixHalfOpenAfterThePeerClosedDoesNotSpinAndAWriteFails(Backend b) throws Exception {
        Rec r = new Rec(false, false);
        r.keepHalfOpen = true;
        UnixAddress at = name("half", b);
        try (EventLoopGroup g = start(b, opts().withLoops(1)); Listener l = g.listen(at, () -> r)) {
            Connection c;
            try (dev.panio.net.Socket peer = dev.panio.net.Socket.open(dev.panio.net.Socket.Family.UNIX, dev.panio.net.Socket.Type.STREAM, false)) {
                peer.connect(at);
                c = r.opened.get(10, TimeUnit.SECONDS);
            }
            r.inputClosed.get(10, TimeUnit.SECONDS);
            assertNoSpin(g, "half-open after the peer's close");
            c.write(MemorySegment.ofArray(new byte[100]));
            assertEquals(CloseCause.RESET, r.closed.get(10, TimeUnit.SECONDS));
        }
    }

    // ---- select: urgent data while suspended (not from this change) -------------------------

}
