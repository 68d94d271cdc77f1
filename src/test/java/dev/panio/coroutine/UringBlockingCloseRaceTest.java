package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.io.ClosedException;
import dev.panio.io.Pipe;
import java.lang.foreign.Arena;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression: a close of the fd that lands after the reader acquired it but before the poller
 * has put the reader's op into a slot was lost (the poller matched the closing fd number
 * against its slots, found nothing, and later submitted the op): the read of a pipe then
 * waited forever, and the fd stayed open (its close(2) deferred until the read returns).
 */
@dev.panio.testkit.NoFdLeaks
@Timeout(120)
class UringBlockingCloseRaceTest {
    @BeforeAll
    static void ring() {
        assumeTrue(UringBlocking.available(), () -> "io_uring: " + dev.panio.uring.IoUring.availability().reason());
    }

    @Test
    void aCloseRacingTheSubmissionAlwaysEndsTheRead() throws Exception {
        // Other threads keep the poller busy, so it spends longer between taking the pushed
        // ops and looking at the closes (the window of the race).
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.nio.file.Path file = java.nio.file.Files.createTempFile("race", ".bin");
        java.nio.file.Files.write(file, new byte[4096]);
        java.util.List<Thread> load = new java.util.ArrayList<>();
        try (dev.panio.io.FileDescriptor f = dev.panio.io.LinuxFiles.openReadWrite(file)) {
            for (int t = 0; t < 16; t++) {
                load.add(Thread.ofVirtual().start(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        java.lang.foreign.MemorySegment b = arena.allocate(64);
                        while (!stop.get()) UringBlocking.read(f, b, 0);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            try {
                race();
            } finally {
                stop.set(true);
                for (Thread t : load) t.join();
                java.nio.file.Files.delete(file);
            }
        }
    }

    private void race() throws Exception {
        for (int i = 0; i < 5000; i++) {
            try (Pipe pipe = Pipe.open(false)) { // blocking: a READ in the ring, no POLL_ADD step
                CompletableFuture<Long> read = UringBlockingTest.virtual(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        return UringBlocking.read(pipe.source(), arena.allocate(16), -1);
                    }
                });
                long spin = System.nanoTime() + (i % 50) * 1_000L; // 0..49 µs: across the push
                while (System.nanoTime() < spin) Thread.onSpinWait();
                pipe.source().close();
                try {
                    read.get(5, TimeUnit.SECONDS);
                    fail("iteration " + i + ": read returned with nothing written");
                } catch (ExecutionException e) {
                    assertInstanceOf(ClosedException.class, e.getCause(), "iteration " + i);
                } catch (TimeoutException e) {
                    fail("iteration " + i + ": the read did not end 5 s after its fd was closed (fd "
                            + pipe.source().intValue() + " still open: " + new java.io.File("/proc/self/fd/" + pipe.source().intValue()).exists() + ")");
                }
            }
        }
    }
}
