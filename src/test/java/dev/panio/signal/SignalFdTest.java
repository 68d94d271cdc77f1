package dev.panio.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.ClosedException;
import dev.panio.io.Pipe;
import dev.panio.poll.Poll;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testing.OwnThread;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Signal-driven I/O on real descriptors: the kernel's own signals, read through a signalfd. */
@NoFdLeaks
class SignalFdTest {
    /** Clear of glibc's real-time signals, the JVM's, and the reactor's (40). */
    private static final int SIGNAL = 42;

    @Test
    void aPipeBecomingReadableRaisesTheSignalWithItsFdAndBand() throws Exception {
        OwnThread.run(() -> {
            SignalSet set = SignalSet.of(SIGNAL);
            Signals.ignore(SIGNAL); // if it ever arrived unblocked, discarded instead of ending the process
            Signals.block(set);     // blocked: queued for the signalfd although ignored
            try (SignalFd sfd = SignalFd.open(set, true, 8); Pipe pipe = Pipe.open(true)) {
                assertEquals(0, sfd.read(), "nothing pending yet");
                int tid = Signals.currentThreadId();
                AsyncIo.enable(pipe.source(), SIGNAL, tid);
                assertTrue(AsyncIo.isEnabled(pipe.source()));
                assertTrue(pipe.source().isNonBlocking(), "enable sets O_NONBLOCK too");

                pipe.sink().write(MemorySegment.ofArray(new byte[] {7}));
                int n = awaitRecords(sfd);
                assertTrue(n >= 1, "one record per readiness change");
                assertEquals(SIGNAL, sfd.signo(0));
                assertEquals(pipe.source().intValue(), sfd.fd(0), "the record names the fd that became ready");
                assertTrue(sfd.code(0) > 0, "raised by the kernel (POLL_IN), not sent by a thread: " + sfd.code(0));
                assertTrue((sfd.band(0) & Poll.POLLIN) != 0, "band " + sfd.band(0));
                assertThrows(IndexOutOfBoundsException.class, () -> sfd.signo(n));

                assertTrue(Signals.sendToThread(tid, SIGNAL));
                assertEquals(1, awaitRecords(sfd));
                assertTrue(sfd.code(0) <= 0, "sent with tgkill: SI_TKILL, " + sfd.code(0));

                AsyncIo.disable(pipe.source());
                assertFalse(AsyncIo.isEnabled(pipe.source()));
                pipe.sink().write(MemorySegment.ofArray(new byte[] {8}));
                Thread.sleep(50);
                assertEquals(0, sfd.read(), "no signal once O_ASYNC is cleared");
            } finally {
                Signals.unblock(set); // ignored: anything still pending is discarded
            }
        });
    }

    private static int awaitRecords(SignalFd sfd) throws Exception {
        try (Poll p = new Poll(1)) {
            p.add(sfd.fd(), Poll.POLLIN, 0);
            assertEquals(1, p.poll(5000), "the signalfd became readable");
        }
        return sfd.read();
    }

    @Test
    void badInputIsRefusedBeforeAnySystemCall() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> SignalSet.of(0));
        assertThrows(IllegalArgumentException.class, () -> SignalSet.of(65));
        assertThrows(IllegalArgumentException.class, () -> SignalFd.open(SignalSet.empty(), true, 8));
        assertThrows(IllegalArgumentException.class, () -> SignalFd.open(SignalSet.of(SIGNAL), true, 0));
        assertThrows(IllegalArgumentException.class, () -> Signals.sendToThread(Signals.currentThreadId(), -1));
        assertThrows(IllegalArgumentException.class, () -> Signals.ignore(99));
        try (Pipe pipe = Pipe.open(true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AsyncIo.enable(pipe.source(), SIGNAL, 0));
            assertTrue(e.getMessage().contains("F_SETOWN_EX") && e.getMessage().contains("fd=" + pipe.source().intValue()), e.getMessage());
        }
        SignalFd closed = SignalFd.open(SignalSet.of(SIGNAL), true, 1);
        closed.close();
        closed.close(); // idempotent
        assertThrows(ClosedException.class, closed::read);
        assertThrows(ClosedException.class, () -> closed.signo(0));
    }

    /** The JVM's own signals are refused before any call: blocked or ignored, SIGSEGV kills the process at the next null check. */
    @Test
    void theSignalsTheJvmReliesOnAreRefused() throws Exception {
        for (int signo : new int[] {3, 4, 7, 8, 11, 12, 32, 33, 34}) {
            assertTrue(SignalSet.reserved(signo));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SignalSet.of(signo));
            assertTrue(e.getMessage().contains(String.valueOf(signo)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Signals.ignore(signo));
            assertThrows(IllegalArgumentException.class, () -> Signals.sendToThread(Signals.currentThreadId(), signo));
            try (Pipe pipe = Pipe.open(true)) {
                assertThrows(IllegalArgumentException.class, () -> AsyncIo.enable(pipe.source(), signo, Signals.currentThreadId()));
                assertFalse(AsyncIo.isEnabled(pipe.source()), "refused before any fcntl");
            }
        }
        assertFalse(SignalSet.reserved(SIGNAL));
        // masks and thread ids belong to kernel threads: a virtual thread's carrier changes under it
        CompletableFuture<Throwable> onVirtual = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Signals.block(SignalSet.of(SIGNAL));
                onVirtual.complete(null);
            } catch (Throwable t) {
                onVirtual.complete(t);
            }
        });
        assertTrue(onVirtual.get(10, TimeUnit.SECONDS) instanceof IllegalStateException);
    }

    @Test
    void aSetIsAValue() {
        SignalSet a = SignalSet.of(SIGNAL, Signals.SIGIO);
        assertTrue(a.contains(SIGNAL) && a.contains(Signals.SIGIO) && !a.contains(SIGNAL + 1));
        assertEquals(a, SignalSet.empty().with(Signals.SIGIO).with(SIGNAL));
        assertFalse(a.contains(0) || a.contains(65), "out of range is simply not in the set");
        assertEquals("SignalSet[29, 42]", a.toString());
    }
}
