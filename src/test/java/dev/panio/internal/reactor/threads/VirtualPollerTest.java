package dev.panio.internal.reactor.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.epoll.Epoll;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The coroutine model's core: a virtual thread parks on a real fd and is unparked when it is ready. */
@NoFdLeaks
class VirtualPollerTest {
    @Test
    void aVirtualThreadParksUntilItsFdIsReadable() throws Exception {
        try (VirtualPoller poller = new VirtualPoller("test-poller"); Pipe pipe = Pipe.open(true)) {
            CompletableFuture<Byte> got = new CompletableFuture<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    VirtualPoller.Waiter w = poller.waiter(pipe.source());
                    MemorySegment buf = MemorySegment.ofArray(new byte[1]);
                    long n;
                    while ((n = pipe.source().read(buf)) == FileDescriptor.WOULD_BLOCK) w.await(Epoll.EPOLLIN, -1);
                    assertEquals(1, n);
                    got.complete(buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
                } catch (Throwable t) {
                    got.completeExceptionally(t);
                }
            });
            Thread.sleep(100);
            assertTrue(reader.isAlive() && !got.isDone(), "parked: nothing to read");
            pipe.sink().write(MemorySegment.ofArray(new byte[] {42}));
            assertEquals((byte) 42, got.get(10, TimeUnit.SECONDS));
            reader.join();
        }
    }

    /**
     * The bug this guards against kept the flag, so every later wait returned at once: an idle
     * connection spun a core (hundreds of thousands of returns a second). Counted, not
     * forbidden: the interrupt's one-off wake and its unpark permit each return a wait, and a
     * park may return spuriously (after a busy test class in the same JVM: 6 in 200 ms seen
     * once in a fresh-clone run), so the bound is 20, far below the spin's hundreds of thousands.
     */
    @Test
    void anInterruptLeftByAHandlerWakesOnceAndIsNotKeptToSpinEveryLaterWait() throws Exception {
        try (VirtualPoller poller = new VirtualPoller("test-poller"); Pipe pipe = Pipe.open(true)) {
            java.util.concurrent.atomic.AtomicInteger returns = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Byte> got = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    VirtualPoller.Waiter w = poller.waiter(pipe.source());
                    MemorySegment buf = MemorySegment.ofArray(new byte[1]);
                    Thread.currentThread().interrupt(); // as a handler restoring a flag would leave it
                    while (pipe.source().read(buf) == FileDescriptor.WOULD_BLOCK) {
                        w.await(Epoll.EPOLLIN, -1);
                        returns.incrementAndGet();
                    }
                    got.complete(buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
                } catch (Throwable e) {
                    got.completeExceptionally(e);
                }
            });
            Thread.sleep(200);
            assertTrue(t.isAlive() && !got.isDone(), "still waiting: nothing to read");
            assertTrue(returns.get() <= 20, returns.get() + " waits returned in 200 ms with nothing to read: it spins");
            pipe.sink().write(MemorySegment.ofArray(new byte[] {7}));
            assertEquals((byte) 7, got.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void closingThePollerWakesEveryParkedThread() throws Exception {
        VirtualPoller poller = new VirtualPoller("test-poller");
        try (Pipe pipe = Pipe.open(true)) {
            CompletableFuture<Void> woke = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    poller.waiter(pipe.source()).await(Epoll.EPOLLIN, -1);
                    woke.complete(null);
                } catch (Throwable t) {
                    woke.complete(null); // a ClosedException from the closed epoll is a wake too
                }
            });
            Thread.sleep(100);
            poller.close();
            woke.get(10, TimeUnit.SECONDS);
        }
    }
}
