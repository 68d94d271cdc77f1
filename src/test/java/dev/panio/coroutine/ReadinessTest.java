package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.ClosedException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.io.TimerFd;
import dev.panio.net.Socket;
import dev.panio.testkit.NoFdLeaks;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parking on fd readiness, on virtual threads (the shared epoll poller) and platform threads
 * (poll in slices): wake-ups by the event, the timeout, an interrupt and a close, on eventfds,
 * timerfds, pipes and sockets.
 */
@NoFdLeaks
@Timeout(60)
class ReadinessTest {
    static Stream<Boolean> virtualAndPlatform() {
        return Stream.of(true, false);
    }

    /** Runs {@code body} on a virtual or a platform thread and returns what it returned or threw. */
    static <T> CompletableFuture<T> on(boolean virtual, ThrowingSupplier<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Runnable r = () -> {
            try {
                f.complete(body.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        };
        if (virtual) Thread.ofVirtual().start(r);
        else Thread.ofPlatform().start(r);
        return f;
    }

    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    static Throwable cause(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("completed normally");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void anEventfdSignalledLaterWakesTheWaiterWithItsValue(boolean virtual) throws Exception {
        try (EventFd e = EventFd.open()) {
            CompletableFuture<Long> got = on(virtual, () -> Blocking.drain(e));
            Thread.sleep(100);
            assertFalse(got.isDone(), "nothing to take yet: still waiting");
            e.signal(7);
            assertEquals(7L, got.get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void aTimerfdWakesItsWaiterWhenItExpires(boolean virtual) throws Exception {
        try (TimerFd t = TimerFd.open()) {
            t.set(100_000_000L, 0);
            // the kernel counts an expiration only once the timer has expired: 1 means woken by it, not before
            assertEquals(1L, on(virtual, () -> Blocking.expirations(t)).get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void aPipeReaderWakesWhenTheWriterWrites(boolean virtual) throws Exception {
        try (Pipe p = Pipe.open(true); Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(64);
            CompletableFuture<Long> got = on(virtual, () -> Blocking.read(p.source(), buf));
            Thread.sleep(100);
            assertFalse(got.isDone());
            p.sink().write(MemorySegment.ofArray("hello".getBytes()));
            assertEquals(5L, got.get(10, TimeUnit.SECONDS));
            p.sink().close();
            assertEquals(FileDescriptor.EOF, on(virtual, () -> Blocking.read(p.source(), buf)).get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void aWaitWithATimeoutReturnsFalseWhenNothingCame(boolean virtual) throws Exception {
        try (EventFd e = EventFd.open()) {
            assertFalse(on(virtual, () -> Readiness.await(e.fd(), Readiness.IN, 50_000_000L)).get(10, TimeUnit.SECONDS));
            e.signal(1);
            assertTrue(on(virtual, () -> Readiness.await(e.fd(), Readiness.IN, 5_000_000_000L)).get(10, TimeUnit.SECONDS));
            // output: an eventfd has room at once
            assertTrue(on(virtual, () -> Readiness.await(e.fd(), Readiness.OUT, 5_000_000_000L)).get(10, TimeUnit.SECONDS));
            assertTrue(on(virtual, () -> Readiness.await(e.fd(), Readiness.IN | Readiness.OUT, -1)).get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void anInterruptEndsTheWaitAndLeavesTheFdOpen(boolean virtual) throws Exception {
        try (Pipe p = Pipe.open(true); Arena arena = Arena.ofShared()) {
            AtomicReference<Thread> waiter = new AtomicReference<>();
            CompletableFuture<Boolean> statusAfter = new CompletableFuture<>();
            CompletableFuture<Long> got = on(virtual, () -> {
                waiter.set(Thread.currentThread());
                try {
                    return Blocking.read(p.source(), arena.allocate(8));
                } finally {
                    statusAfter.complete(Thread.currentThread().isInterrupted());
                }
            });
            Thread.sleep(100);
            waiter.get().interrupt();
            InterruptedIOException e = assertInstanceOf(InterruptedIOException.class, cause(got));
            assertTrue(e.getMessage().contains("read(fd=" + p.source().intValue() + ")"), e.getMessage());
            assertTrue(statusAfter.get(5, TimeUnit.SECONDS), "the interrupt status stays set");
            assertTrue(p.source().isOpen());
            // the primitive itself throws InterruptedException, status cleared
            CompletableFuture<Boolean> raw = on(virtual, () -> {
                Thread.currentThread().interrupt();
                try {
                    return Readiness.await(p.source(), Readiness.IN, -1);
                } catch (InterruptedException ie) {
                    return !Thread.currentThread().isInterrupted();
                }
            });
            assertTrue(raw.get(10, TimeUnit.SECONDS), "InterruptedException with the status cleared");
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void closingTheFdFromAnotherThreadWakesTheWaiterWithClosedException(boolean virtual) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Pipe p = Pipe.open(true);
            EventFd e = EventFd.open();
            Socket.Pair pair = Socket.pair(Socket.Type.STREAM);
            try {
                CompletableFuture<Long> pipeRead = on(virtual, () -> Blocking.read(p.source(), arena.allocate(8)));
                CompletableFuture<Long> eventWait = on(virtual, () -> Blocking.drain(e));
                CompletableFuture<Long> socketRead = on(virtual, () -> Blocking.read(pair.first(), arena.allocate(8)));
                Thread.sleep(150);
                p.source().close();
                e.close();
                pair.first().close();
                assertInstanceOf(ClosedException.class, cause(pipeRead));
                assertInstanceOf(ClosedException.class, cause(eventWait));
                // a socket's shutdown at close makes its read return the end of stream, or the wait throws
                try {
                    assertEquals(FileDescriptor.EOF, socketRead.get(10, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException ex) {
                    assertInstanceOf(ClosedException.class, ex.getCause());
                }
                assertFalse(p.source().isOpen());
            } finally {
                p.close();
                e.close();
                pair.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void aZeroOrTinyTimeoutStillSeesAReadyFd(boolean virtual) throws Exception {
        try (EventFd e = EventFd.open()) {
            assertFalse(on(virtual, () -> Readiness.await(e.fd(), Readiness.IN, 0)).get(10, TimeUnit.SECONDS));
            e.signal(1);
            assertTrue(on(virtual, () -> Readiness.await(e.fd(), Readiness.IN, 0)).get(10, TimeUnit.SECONDS), "0 looks, like poll(0)");
            assertTrue(on(virtual, () -> Readiness.await(e.fd(), Readiness.IN, 1_000)).get(10, TimeUnit.SECONDS),
                    "a deadline that passes before any wake-up still looks once");
        }
    }

    @Test
    void aBlockingFdIsRefusedOnAVirtualThreadBeforeItCouldHoldTheCarrier() throws Exception {
        try (Pipe p = Pipe.open(false); Arena arena = Arena.ofShared()) {
            Throwable t = cause(on(true, () -> Blocking.read(p.source(), arena.allocate(8))));
            assertInstanceOf(IllegalArgumentException.class, t);
            assertTrue(t.getMessage().contains("read(fd=" + p.source().intValue() + ")") && t.getMessage().contains("blocking"),
                    t.getMessage());
            // a platform thread may block on it: nothing else waits for its carrier
            p.sink().write(MemorySegment.ofArray(new byte[] {1}));
            assertEquals(1L, on(false, () -> Blocking.read(p.source(), arena.allocate(8))).get(10, TimeUnit.SECONDS));
            p.source().setNonBlocking(true);
            p.sink().write(MemorySegment.ofArray(new byte[] {2}));
            assertEquals(1L, on(true, () -> Blocking.read(p.source(), arena.allocate(8))).get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aConnectTimeoutPastAnyDeadlineMeansTheKernelsLimit() throws Exception {
        try (Socket listener = Socket.listen(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 16);
                Socket c = Socket.tcp(Socket.Family.INET)) {
            java.net.SocketAddress at = listener.localAddress();
            on(true, () -> {
                Blocking.connect(c, at, Long.MAX_VALUE);
                return true;
            }).get(10, TimeUnit.SECONDS);
            assertEquals(at, c.remoteAddress());
        }
    }

    @Test
    void badInterestIsRefusedNamingTheFd() throws Exception {
        try (EventFd e = EventFd.open()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Readiness.await(e.fd(), 0, -1));
            assertTrue(x.getMessage().contains("fd=" + e.fd().intValue()), x.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Readiness.await(e.fd(), 0x8000, -1));
        }
        EventFd closed = EventFd.open();
        closed.close();
        assertThrows(ClosedException.class, () -> Readiness.await(closed.fd(), Readiness.IN, -1));
    }

    @Test
    void manyVirtualThreadsWaitOnOneFdAndAllWake() throws Exception {
        try (EventFd e = EventFd.open(0, true, true)) { // semaphore mode: each take is 1
            int n = 50;
            java.util.List<CompletableFuture<Long>> all = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) all.add(on(true, () -> Blocking.drain(e)));
            Thread.sleep(100);
            e.signal(n);
            for (CompletableFuture<Long> f : all) assertEquals(1L, f.get(10, TimeUnit.SECONDS));
        }
    }
}
