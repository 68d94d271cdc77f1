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

    @Test
    void anInterruptLeftByAHandlerWakesOnceAndIsNotKeptToSpinEveryLaterWait() throws Exception {
        try (VirtualPoller poller = new VirtualPoller("test-poller"); Pipe pipe = Pipe.open(true)) {
            CompletableFuture<Boolean> laterWaitReturned = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    VirtualPoller.Waiter w = poller.waiter(pipe.source());
                    Thread.currentThread().interrupt(); // as a handler restoring a flag would leave it
                    w.await(Epoll.EPOLLIN, -1);          // a one-off wake
                    w.await(Epoll.EPOLLIN, -1);          // may return once more: interrupt() also left an unpark permit
                    w.await(Epoll.EPOLLIN, -1);          // parks: nothing to read, no flag left
                    laterWaitReturned.complete(true);
                } catch (Throwable e) {
                    laterWaitReturned.completeExceptionally(e);
                }
            });
            Thread.sleep(200);
            assertTrue(t.isAlive() && !laterWaitReturned.isDone(), "a later wait is parked, not returning at once: " + laterWaitReturned);
            pipe.sink().write(MemorySegment.ofArray(new byte[] {1}));
            assertTrue(laterWaitReturned.get(10, TimeUnit.SECONDS));
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
