package dev.panio.reactor;

import static dev.panio.reactor.ReactorSuiteTest.ANY;
import static dev.panio.reactor.ReactorSuiteTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.net.UnixAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading suspended and resumed under stress, and what the peer's end or reset does
 * meanwhile: every byte in order through thousands of suspensions (io_uring with its
 * receive paths masked too), suspended connections ended every way without a leaked fd or a
 * spin, a Unix peer's close, a reset after the peer's end heard at once where the kernel can
 * report it, and the reset's error naming {@code getsockopt(SO_ERROR)}. (From a review of
 * io_uring's wait for errors while suspended.)
 */
@Timeout(60)
class SuspendedReadingTest {

    static long fds() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A group with {@code mask} added to the capabilities io_uring is told to treat as absent (the build's own mask kept). */
    static EventLoopGroup startMasked(Backend b, String mask) throws IOException {
        String before = System.getProperty("panio.uring.mask");
        if (!mask.isEmpty()) System.setProperty("panio.uring.mask", before == null || before.isEmpty() ? mask : before + "," + mask);
        try {
            return start(b, ReactorOptions.defaults().withLoops(1));
        } finally {
            if (before == null) System.clearProperty("panio.uring.mask");
            else System.setProperty("panio.uring.mask", before);
        }
    }

    /** The peer's FIN, then its RST, both while suspended: documented as at once on IO_URING as on EPOLL. */
    @ParameterizedTest
    @ValueSource(strings = {"POLL", "EPOLL", "EPOLL_ET", "SIGNAL", "IO_URING"})
    void finThenResetWhileSuspendedEndsAtOnce(String name) throws Exception {
        Backend b = Backend.valueOf(name);
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Assumptions.assumeFalse(g.backendDescription().contains("single-shot poll"),
                    "io_uring without multishot poll hears a reset after the peer's end at the resume (documented)");
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onData(Connection c, MemorySegment data) {
                    c.suspendReading();
                    opened.complete(c);
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(cause + " " + e);
                }
            });
            try (Socket s = new Socket()) {
                s.connect(l.localAddress());
                s.getOutputStream().write('x');
                opened.get(10, TimeUnit.SECONDS);
                s.shutdownOutput();
                Thread.sleep(300);
                assertFalse(closed.isDone(), "the FIN alone: " + closed.getNow(null));
                s.setSoLinger(true, 0);
            }
            String got = closed.get(3, TimeUnit.SECONDS); // TimeoutException if not at once
            assertTrue(got.startsWith("RESET"), got);
        }
    }

    /** Half-close: the peer's FIN heard while reading, the connection kept open to write: no spin, then the RST ends it at once. */
    @ParameterizedTest
    @ValueSource(strings = {"POLL", "EPOLL", "EPOLL_ET", "SIGNAL", "IO_URING"})
    void halfClosedThenReset(String name) throws Exception {
        Backend b = Backend.valueOf(name);
        CompletableFuture<Connection> inputClosed = new CompletableFuture<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Assumptions.assumeFalse(g.backendDescription().contains("single-shot poll"),
                    "io_uring without multishot poll hears a reset after the peer's end only at the next write");
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onData(Connection c, MemorySegment data) {}
                @Override
                public void onInputClosed(Connection c) {
                    inputClosed.complete(c);
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(cause + " " + e);
                }
            });
            try (Socket s = new Socket()) {
                s.connect(l.localAddress());
                s.getOutputStream().write('x');
                s.shutdownOutput();
                inputClosed.get(10, TimeUnit.SECONDS);
                HangUpTest.assertNoSpin(g, "half-closed");
                s.setSoLinger(true, 0);
            }
            String got = closed.get(3, TimeUnit.SECONDS);
            assertTrue(got.startsWith("RESET"), got);
        }
    }

    /** The reset's error as the handler hears it, per backend (message printed). */
    @ParameterizedTest
    @ValueSource(strings = {"POLL", "EPOLL", "EPOLL_ET", "SIGNAL", "IO_URING"})
    void resetMessage(String name) throws Exception {
        Backend b = Backend.valueOf(name);
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onData(Connection c, MemorySegment data) {
                    c.suspendReading();
                    opened.complete(c);
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(cause + " " + e);
                }
            });
            try (Socket s = new Socket()) {
                s.connect(l.localAddress());
                s.getOutputStream().write('x');
                opened.get(10, TimeUnit.SECONDS);
                s.setSoLinger(true, 0);
            }
            String got = closed.get(5, TimeUnit.SECONDS);
            assertTrue(got.startsWith("RESET") && got.contains("getsockopt(SO_ERROR, fd=") && got.contains("ECONNRESET"),
                    "a reset names the call that found it, the fd and the errno: " + got);
        }
    }

    /** Suspend/resume from another thread and on the loop thread, thousands of times, while 8 MB flow: every byte, in order. */
    @ParameterizedTest
    @ValueSource(strings = {"", "PBUF_RING", "RECV_MULTISHOT", "EPOLL"})
    void togglingKeepsEveryByteInOrder(String mode) throws Exception {
        Backend b = mode.equals("EPOLL") ? Backend.EPOLL : Backend.IO_URING;
        String mask = mode.equals("EPOLL") ? "" : mode;
        long before = fds();
        final long total = 8L << 20;
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        CompletableFuture<String> ended = new CompletableFuture<>();
        try (EventLoopGroup g = startMasked(b, mask)) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                long count;
                int n;
                @Override
                public void onOpen(Connection c) {
                    c.suspendReading(); // suspended in onOpen
                    c.resumeReading();
                    c.suspendReading();
                    opened.complete(c);
                }
                @Override
                public void onData(Connection c, MemorySegment data) {
                    for (long i = 0; i < data.byteSize(); i++) {
                        byte want = (byte) (count % 251);
                        if (data.get(ValueLayout.JAVA_BYTE, i) != want && !ended.isDone()) {
                            ended.complete("misordered at " + count);
                        }
                        count++;
                    }
                    if ((++n & 3) == 0) {
                        c.suspendReading();
                        c.resumeReading();
                        c.suspendReading();
                        c.loop().execute(c::resumeReading);
                    }
                }
                @Override
                public void onInputClosed(Connection c) {
                    ended.complete("count " + count);
                    c.close();
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    ended.complete("closed early: " + cause + " " + e + " at " + count);
                }
            });
            try (Socket s = new Socket()) {
                s.connect(l.localAddress());
                Connection c = opened.get(10, TimeUnit.SECONDS);
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        OutputStream out = s.getOutputStream();
                        byte[] buf = new byte[8192];
                        long sent = 0;
                        while (sent < total) {
                            int len = (int) Math.min(buf.length, total - sent);
                            for (int i = 0; i < len; i++) buf[i] = (byte) ((sent + i) % 251);
                            out.write(buf, 0, len);
                            sent += len;
                        }
                        s.shutdownOutput();
                    } catch (IOException e) {
                        ended.complete("writer: " + e);
                    }
                });
                ThreadLocalRandom r = ThreadLocalRandom.current();
                int toggles = 0;
                while (!ended.isDone() && toggles < 200_000) {
                    c.suspendReading();
                    if (r.nextInt(4) == 0) Thread.sleep(0, r.nextInt(200_000));
                    c.resumeReading();
                    if (r.nextInt(8) == 0) Thread.sleep(0, r.nextInt(100_000));
                    toggles++;
                }
                c.resumeReading();
                writer.join(20_000);
                assertEquals("count " + total, ended.get(20, TimeUnit.SECONDS), mode + " after " + toggles + " toggles");
                HangUpTest.assertNoSpin(g, "after the toggling");
            }
        }
        Thread.sleep(200);
        assertTrue(fds() <= before + 1, "fds before " + before + ", after " + fds());
    }

    /** Many suspended connections closed, aborted by idle timeouts, or reset: no fd left, no spin. */
    @ParameterizedTest
    @ValueSource(strings = {"", "PBUF_RING", "RECV_MULTISHOT"})
    void suspendedConnectionsEndWithoutLeaks(String mask) throws Exception {
        long before = fds();
        int n = 60;
        java.util.concurrent.CountDownLatch closedAll = new java.util.concurrent.CountDownLatch(n);
        java.util.concurrent.CountDownLatch suspendedAll = new java.util.concurrent.CountDownLatch(n);
        java.util.List<Connection> conns = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (EventLoopGroup g = startMasked(Backend.IO_URING, mask)) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) {
                    c.suspendReading();
                    conns.add(c);
                    suspendedAll.countDown();
                }
                @Override
                public void onData(Connection c, MemorySegment data) {}
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closedAll.countDown();
                }
            });
            Socket[] ss = new Socket[n];
            for (int i = 0; i < n; i++) {
                ss[i] = new Socket();
                ss[i].connect(l.localAddress());
                ss[i].getOutputStream().write(new byte[100]);
            }
            assertTrue(suspendedAll.await(10, TimeUnit.SECONDS));
            Thread.sleep(100);
            for (int i = 0; i < n; i++) {
                Connection c = conns.get(i);
                switch (i % 4) {
                    case 0 -> c.close();
                    case 1 -> c.abort();
                    case 2 -> { c.resumeReading(); c.suspendReading(); c.close(); }
                    default -> { ss[i].setSoLinger(true, 0); ss[i].close(); }
                }
            }
            assertTrue(closedAll.await(10, TimeUnit.SECONDS), "left open: " + closedAll.getCount());
            for (Socket s : ss) s.close();
            HangUpTest.assertNoSpin(g, "after the ends");
        }
        Thread.sleep(200);
        assertTrue(fds() <= before + 1, "fds before " + before + ", after " + fds());
    }

    /** A Unix stream connection: suspend in onData, peer writes and closes: no spin, bytes then end at resume. */
    @ParameterizedTest
    @ValueSource(strings = {"", "RECV_MULTISHOT"})
    void unixPeerCloseWhileSuspended(String mask) throws Exception {
        Path dir = Files.createTempDirectory("panio-review");
        Path sock = dir.resolve("s.sock");
        CompletableFuture<Connection> suspended = new CompletableFuture<>();
        CompletableFuture<String> ended = new CompletableFuture<>();
        StringBuilder got = new StringBuilder();
        try (EventLoopGroup g = startMasked(Backend.IO_URING, mask)) {
            Listener l = g.listen(UnixAddress.of(sock), () -> new ConnectionHandler() {
                @Override
                public void onData(Connection c, MemorySegment data) {
                    got.append(new String(data.toArray(ValueLayout.JAVA_BYTE)));
                    if (!suspended.isDone()) {
                        c.suspendReading();
                        suspended.complete(c);
                    }
                }
                @Override
                public void onInputClosed(Connection c) {
                    ended.complete(got.toString());
                    c.close();
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    ended.complete("closed: " + cause + " " + e + " after " + got);
                }
            });
            Connection c;
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(sock));
                ch.write(ByteBuffer.wrap("a".getBytes()));
                c = suspended.get(10, TimeUnit.SECONDS);
                ch.write(ByteBuffer.wrap("bc".getBytes()));
            }
            Thread.sleep(200);
            HangUpTest.assertNoSpin(g, "after the Unix peer's close while suspended");
            assertFalse(ended.isDone(), "" + ended.getNow(null));
            c.resumeReading();
            assertEquals("abc", ended.get(10, TimeUnit.SECONDS));
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }
}
