package dev.panio.reactor;

import static dev.panio.reactor.ReactorSuiteTest.ANY;
import static dev.panio.reactor.ReactorSuiteTest.client;
import static dev.panio.reactor.ReactorSuiteTest.start;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.net.UnixAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The timeouts' clock: on the loop backends a read or write is stamped once per phase of the
 * loop's turn (after it), not at the call (Activity, TurnStamps). These check that no timeout
 * is early because of it (activity a timer check cannot see stamped yet counts as now; reads
 * keep a connection open; a write or read late in a long task or timer phase counts from
 * then), nor late (a write the kernel took nothing of is no activity), with more connections
 * marked in one turn than the stamps' first array holds.
 */
@Timeout(60)
class TimeoutStampTest {
    private static final MemorySegment ONE = MemorySegment.ofArray(new byte[] {'x'});

    /**
     * Connection.setIdleTimeout: "milliseconds with no byte read or written". A write the kernel
     * takes nothing of (EAGAIN on an empty queue) writes no byte, yet now puts the idle timeout
     * off as if it had. A Unix stream socket takes 1-byte writes whole until its send buffer is
     * full, then none: a first connection counts how many fit, a second one is filled with
     * exactly that many, and 600 ms later gets one more the kernel does not take.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "SIGNAL"})
    void aWriteTheKernelTookNothingOfDoesNotPutTheIdleTimeoutOff(Backend b) throws Exception {
        CompletableFuture<Integer> fit = new CompletableFuture<>();
        CompletableFuture<Long> lastTaken = new CompletableFuture<>();
        CompletableFuture<Long> queuedAfterLate = new CompletableFuture<>();
        CompletableFuture<long[]> closed = new CompletableFuture<>(); // {nanoTime, cause ordinal}
        AtomicInteger n = new AtomicInteger();
        Path dir = Files.createTempDirectory("panio-stamp");
        Path file = dir.resolve("s.sock");
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(UnixAddress.of(file), () -> n.getAndIncrement() == 0 ? new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) { // calibration: 1-byte writes until one is queued
                    int taken = 0;
                    while (c.queuedBytes() == 0 && taken < 1_000_000) {
                        c.write(ONE);
                        if (c.queuedBytes() == 0) taken++;
                    }
                    fit.complete(taken);
                }
                @Override
                public void onData(Connection c, MemorySegment data) { }
            } : new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) {
                    int k = fit.join();
                    c.setIdleTimeout(1000);
                    for (int i = 0; i < k; i++) c.write(ONE);
                    if (c.queuedBytes() != 0) throw new AssertionError("calibration off: " + c.queuedBytes() + " queued after " + k);
                    lastTaken.complete(System.nanoTime());
                    c.loop().schedule(() -> {
                        c.write(ONE);
                        queuedAfterLate.complete(c.queuedBytes());
                    }, 600, TimeUnit.MILLISECONDS);
                }
                @Override
                public void onData(Connection c, MemorySegment data) { }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(new long[] {System.nanoTime(), cause.ordinal()});
                }
            });
            try (SocketChannel calibrator = SocketChannel.open(UnixDomainSocketAddress.of(file))) {
                fit.get(10, TimeUnit.SECONDS);
                try (SocketChannel subject = SocketChannel.open(UnixDomainSocketAddress.of(file))) {
                    long t0 = lastTaken.get(10, TimeUnit.SECONDS);
                    assertEquals(1L, queuedAfterLate.get(10, TimeUnit.SECONDS), "precondition: the kernel took nothing of the late write");
                    long[] end = closed.get(10, TimeUnit.SECONDS);
                    assertEquals(CloseCause.TIMEOUT.ordinal(), (int) end[1]);
                    long after = (end[0] - t0) / 1_000_000;
                    assertTrue(after < 1400, b + ": idle timeout of 1000 ms ended the connection " + after
                            + " ms after the last byte the kernel took (a write at 600 ms that it took nothing of put it off)");
                }
            }
            l.close();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /**
     * More connections marked in one phase than TurnStamps starts with (64): every one is
     * stamped, none ends while its peer keeps sending, and each still ends on its own idle
     * timeout once it is quiet.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL"})
    void manyConnectionsMarkedInOneTurnAllStayOpenWhileBusy(Backend b) throws Exception {
        int count = 150;
        ConcurrentLinkedQueue<CloseCause> causes = new ConcurrentLinkedQueue<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) {
                    c.setIdleTimeout(400);
                    c.setReadTimeout(400);
                }
                @Override
                public void onData(Connection c, MemorySegment data) {
                    c.write(MemorySegment.ofArray(data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    causes.add(cause);
                }
            });
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) clients.add(client(l));
                long lastSent = 0;
                for (int round = 0; round < 10; round++) {
                    lastSent = System.nanoTime(); // every stamp of this round is later: the server read after it
                    for (Socket s : clients) s.getOutputStream().write('x');
                    for (Socket s : clients) assertEquals('x', s.getInputStream().read());
                    Thread.sleep(100);
                    assertTrue(causes.isEmpty(), b + ": round " + round + ": closed while busy: " + causes);
                }
                for (Socket s : clients) assertEquals(-1, s.getInputStream().read());
                long quiet = (System.nanoTime() - lastSent) / 1_000_000;
                assertTrue(quiet >= 395, b + ": the timeouts of 400 ms ended the connections " + quiet
                        + " ms after the last round was sent");
            } finally {
                for (Socket s : clients) s.close();
            }
        }
    }

    /**
     * A write handed over from another thread, late in the turn's tasks (after a long task):
     * stamped after the tasks, so the idle check in the next turn's timers does not count it
     * from before.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL"})
    void aWriteLateInALongTaskFromAnotherThreadCountsFromWhenItWasMade(Backend b) throws Exception {
        CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> opening(c -> {
                c.setIdleTimeout(500);
                opened.complete(c);
            }, closed));
            try (Socket s = client(l)) {
                Connection c = opened.get(5, TimeUnit.SECONDS);
                Thread.sleep(300);
                // one task: busy until 900 ms, then writes; the idle check due at 500 runs after it
                c.loop().execute(() -> {
                    sleep(600);
                    c.write(MemorySegment.ofArray("ping".getBytes()));
                });
                InputStream in = s.getInputStream();
                assertArrayEquals("ping".getBytes(), in.readNBytes(4));
                long pinged = System.nanoTime();
                assertEquals(-1, in.read());
                long quiet = (System.nanoTime() - pinged) / 1_000_000;
                assertEquals(CloseCause.TIMEOUT, closed.get(5, TimeUnit.SECONDS));
                assertTrue(quiet >= 400, b + ": idle timeout of 500 ms ended the connection " + quiet + " ms after its last write");
            }
        }
    }

    /**
     * A timer writes, then blocks the loop; a second timer of the same turn reads the idle
     * state after a read from the peer that arrived during the block (marked only next turn).
     * The read timeout must count from the read, not end the connection.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL"})
    void aReadDuringABusyTimerPhaseKeepsTheReadTimeoutOff(Backend b) throws Exception {
        CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> opening(c -> {
                c.setReadTimeout(500);
                c.loop().schedule(() -> c.write(MemorySegment.ofArray("go".getBytes())), 100, TimeUnit.MILLISECONDS);
                c.loop().schedule(() -> sleep(600), 200, TimeUnit.MILLISECONDS);
            }, closed));
            try (Socket s = client(l)) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                assertArrayEquals("go".getBytes(), in.readNBytes(2));
                Thread.sleep(250); // into the 600 ms sleep of the loop (200..800)
                out.write('r');
                out.flush();
                long sent = System.nanoTime();
                assertEquals(-1, in.read());
                long quiet = (System.nanoTime() - sent) / 1_000_000;
                assertEquals(CloseCause.TIMEOUT, closed.get(5, TimeUnit.SECONDS));
                assertTrue(quiet >= 400, b + ": read timeout of 500 ms ended the connection " + quiet + " ms after the peer's last byte");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL"})
    void aWriteByATimerCountsForAnIdleCheckDueInTheSameTurn(Backend b) throws Exception {
        CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> opening(c -> {
                c.setIdleTimeout(500);
                // The loop is busy from 300 to 900 ms, so the write due at 400 ms and the
                // idle check due at 500 ms run in one turn, the write first.
                c.loop().schedule(() -> sleep(600), 300, TimeUnit.MILLISECONDS);
                c.loop().schedule(() -> c.write(MemorySegment.ofArray("ping".getBytes())), 400, TimeUnit.MILLISECONDS);
            }, closed));
            try (Socket s = client(l)) {
                InputStream in = s.getInputStream();
                assertArrayEquals("ping".getBytes(), in.readNBytes(4));
                long pinged = System.nanoTime();
                assertEquals(-1, in.read()); // until the idle timeout closes it
                long quiet = (System.nanoTime() - pinged) / 1_000_000;
                assertEquals(CloseCause.TIMEOUT, closed.get(5, TimeUnit.SECONDS));
                assertTrue(quiet >= 400, b + ": idle timeout of 500 ms ended the connection " + quiet + " ms after its last write");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL"})
    void readsAloneKeepAConnectionOpenPastItsIdleTimeout(Backend b) throws Exception {
        CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> opening(c -> {
                c.setIdleTimeout(400);
            }, closed));
            try (Socket s = client(l)) {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < 12; i++) { // 1.2 s of a byte every 100 ms: three idle timeouts' worth
                    out.write('x');
                    out.flush();
                    Thread.sleep(100);
                    assertFalse(closed.isDone(), b + ": closed by the idle timeout while the peer was sending: " + closed.getNow(null));
                }
                long lastByte = System.nanoTime();
                assertEquals(-1, s.getInputStream().read());
                long quiet = (System.nanoTime() - lastByte) / 1_000_000;
                assertEquals(CloseCause.TIMEOUT, closed.get(5, TimeUnit.SECONDS));
                assertTrue(quiet >= 250, b + ": idle timeout of 400 ms ended the connection " + quiet + " ms after the last byte came"
                        + " (100 ms of it slept before the clock started)");
            }
        }
    }

    /** A handler that runs {@code onOpen} at the open, ignores what it reads, and completes {@code closed} with the cause. */
    private static ConnectionHandler opening(java.util.function.Consumer<Connection> onOpen, CompletableFuture<CloseCause> closed) {
        return new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                onOpen.accept(c);
            }
            @Override
            public void onData(Connection c, MemorySegment data) { }
            @Override
            public void onClose(Connection c, CloseCause cause, IOException e) {
                closed.complete(cause);
            }
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
