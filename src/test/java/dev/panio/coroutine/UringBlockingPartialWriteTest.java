package dev.panio.coroutine;

import static dev.panio.coroutine.ReadinessTest.cause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression: an interrupt that ends {@link UringBlocking#write(Socket, MemorySegment)} after
 * part of the buffer was sent said nothing of that part ({@code bytesTransferred} 0), unlike
 * {@link Blocking#write}: the caller cannot tell what the peer got.
 */
@dev.panio.testkit.NoFdLeaks
@Timeout(60)
class UringBlockingPartialWriteTest {
    @BeforeAll
    static void ring() {
        assumeTrue(UringBlocking.available());
    }

    @Test
    void anInterruptedSendSaysHowMuchWentOut() throws Exception {
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM, true)) {
            AtomicReference<Thread> writer = new AtomicReference<>();
            CompletableFuture<Long> sent = UringBlockingTest.virtual(() -> {
                writer.set(Thread.currentThread());
                try (Arena arena = Arena.ofConfined()) {
                    return UringBlocking.write(p.first(), arena.allocate(64L << 20)); // far more than the socket holds
                }
            });
            Thread.sleep(300); // the first SEND filled the buffers and returned a part; the next waits
            writer.get().interrupt();
            InterruptedIOException e = assertInstanceOf(InterruptedIOException.class, cause(sent));
            long peerGot = 0;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment b = arena.allocate(1 << 20);
                for (long n; (n = p.second().read(b)) > 0; ) peerGot += n;
                assertEquals(FileDescriptor.WOULD_BLOCK, p.second().read(b));
            }
            assertEquals(peerGot, e.bytesTransferred, "bytesTransferred of " + e);
        }
    }
}
