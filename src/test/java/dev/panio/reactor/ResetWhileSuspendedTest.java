package dev.panio.reactor;

import static dev.panio.reactor.ReactorSuiteTest.ANY;
import static dev.panio.reactor.ReactorSuiteTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Socket;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a reset by the peer does to a connection whose reading is suspended, as
 * {@link Connection#suspendReading()} documents it per backend: it ends the connection at
 * once where the kernel reports errors whatever the interest, otherwise at the resume.
 */
@Timeout(60)
class ResetWhileSuspendedTest {
    /** Backends on which the reset ends a suspended connection without waiting for the resume. */
    static final Set<Backend> AT_ONCE = EnumSet.of(Backend.POLL, Backend.EPOLL, Backend.EPOLL_ET, Backend.SIGNAL, Backend.IO_URING);

    /**
     * The peer's end of output (a FIN, no error) while reading is suspended is no reset: the
     * connection stays, the loop does not spin on it (io_uring's wait for an error completes on
     * it and is not armed again), and the resume delivers the bytes sent before it, then the end.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL"})
    void thePeersEndWhileSuspendedWaitsForTheResumeWithItsBytes(Backend b) throws Exception {
        CompletableFuture<Connection> suspended = new CompletableFuture<>();
        CompletableFuture<String> ended = new CompletableFuture<>();
        StringBuilder got = new StringBuilder();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onData(Connection c, MemorySegment data) {
                    got.append(new String(data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
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
                    ended.complete("closed early: " + cause + " " + e);
                }
            });
            try (Socket s = new Socket()) {
                s.connect(l.localAddress());
                s.getOutputStream().write('a');
                Connection c = suspended.get(10, TimeUnit.SECONDS);
                s.getOutputStream().write("bc".getBytes());
                s.shutdownOutput();
                Thread.sleep(200);
                if (b != Backend.BLOCKING && b != Backend.VIRTUAL) HangUpTest.assertNoSpin(g, "after the peer's end while suspended");
                assertFalse(ended.isDone(), b + ": " + ended.getNow(null));
                c.resumeReading();
                assertEquals("abc", ended.get(10, TimeUnit.SECONDS));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL"})
    void aResetEndsASuspendedConnectionAtOnceOrAtTheResume(Backend b) throws Exception {
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        CompletableFuture<CloseCause> closed = new CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onData(Connection c, MemorySegment data) {
                    c.suspendReading(); // after bytes have flowed, as back-pressure does
                    opened.complete(c);
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {
                    closed.complete(cause);
                }
            });
            Connection c;
            try (Socket s = new Socket()) {
                s.connect(l.localAddress());
                s.getOutputStream().write('x');
                c = opened.get(10, TimeUnit.SECONDS);
                s.setSoLinger(true, 0); // the close sends a RST
            }
            if (AT_ONCE.contains(b)) {
                assertEquals(CloseCause.RESET, closed.get(10, TimeUnit.SECONDS), b + ": ended by the reset at once");
            } else {
                Thread.sleep(500);
                assertFalse(closed.isDone(), b + ": suspended, it hears of the reset at the resume: " + closed.getNow(null));
                c.resumeReading();
                assertEquals(CloseCause.RESET, closed.get(10, TimeUnit.SECONDS), b + ": ended by the reset at the resume");
            }
        }
    }
}
