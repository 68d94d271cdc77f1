package dev.panio.reactor;

import static dev.panio.reactor.ReactorSuiteTest.ANY;
import static dev.panio.reactor.ReactorSuiteTest.client;
import static dev.panio.reactor.ReactorSuiteTest.start;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The timeouts' clock: on the loop backends a read or write is stamped once per phase of the
 * loop's turn (after it), not at the call. These check that a timeout is never early because
 * of it: activity a timer check cannot see stamped yet counts as now, and reads keep a
 * connection open as they did when each read its own clock.
 */
@Timeout(60)
class TimeoutStampTest {
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL"})
    void aWriteByATimerCountsForAnIdleCheckDueInTheSameTurn(Backend b) throws Exception {
        CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) {
                    c.setIdleTimeout(500);
                    // The loop is busy from 300 to 900 ms, so the write due at 400 ms and the
                    // idle check due at 500 ms run in one turn, the write first.
                    c.loop().schedule(() -> sleep(600), 300, TimeUnit.MILLISECONDS);
                    c.loop().schedule(() -> c.write(MemorySegment.ofArray("ping".getBytes())), 400, TimeUnit.MILLISECONDS);
                }
                @Override
                public void onData(Connection c, MemorySegment data) { }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(cause);
                }
            });
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
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) {
                    c.setIdleTimeout(400);
                }
                @Override
                public void onData(Connection c, MemorySegment data) { }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(cause);
                }
            });
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
