package dev.panio.reactor;

import static dev.panio.reactor.ReactorSuiteTest.ANY;
import static dev.panio.reactor.ReactorSuiteTest.client;
import static dev.panio.reactor.ReactorSuiteTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The idle timeout counts from the last write even when the write comes late in a long
 * callback (a per-turn clock stamped it with the turn's start and ended the connection early;
 * found by an adversarial review).
 */
@Timeout(60)
class IdleTimeoutAfterLongCallbackTest {
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL"})
    void idleTimeoutCountsFromTheLastWrite(Backend b) throws Exception {
        CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) {
                    c.setIdleTimeout(1000);
                }
                @Override
                public void onData(Connection c, MemorySegment data) {
                    try { Thread.sleep(700); } catch (InterruptedException e) { } // work done in the callback
                    c.write(MemorySegment.ofArray(new byte[] {'o', 'k'}));
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(cause);
                }
            });
            try (Socket s = client(l)) {
                Thread.sleep(100);
                s.getOutputStream().write('x');
                InputStream in = s.getInputStream();
                assertEquals('o', in.read());
                assertEquals('k', in.read());
                long replied = System.nanoTime();
                int r = in.read(); // until the idle timeout closes it
                long quiet = (System.nanoTime() - replied) / 1_000_000;
                assertEquals(-1, r);
                assertEquals(CloseCause.TIMEOUT, closed.get(5, TimeUnit.SECONDS));
                assertTrue(quiet >= 850, b + ": idle timeout of 1000 ms ended the connection " + quiet + " ms after its last write");
            }
        }
    }
}
