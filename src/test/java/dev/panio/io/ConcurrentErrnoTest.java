package dev.panio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panio.epoll.Epoll;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Threads that fail different calls at the same moment must each see their own errno:
 * the capture segment is per thread and written by the JVM right after the call.
 */
@NoFdLeaks
class ConcurrentErrnoTest {
    private static final int ROUNDS = 20_000;

    @Test
    @Timeout(60)
    void eachThreadSeesItsOwnErrno() throws Exception {
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> results = new ArrayList<>();
        bad = FileDescriptor.adopt(19_999);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads);
             Pipe brokenPipe = Pipe.open(true);
             Pipe emptyPipe = Pipe.open(true);
             Epoll epoll = Epoll.open(1)) {
            brokenPipe.source().close(); // writes now fail with EPIPE
            MemorySegment one = MemorySegment.ofArray(new byte[1]);
            for (int t = 0; t < threads; t++) {
                int kind = t % 4;
                results.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        switch (kind) {
                            case 0 -> expect(Errno.EPIPE, () -> brokenPipe.sink().write(one));
                            case 1 -> expect(Errno.EBADF, () -> unownedBadFd().read(one));
                            case 2 -> expect(Errno.ENOENT, () -> epoll.delete(emptyPipe.sink()));
                            default -> assertEquals(FileDescriptor.WOULD_BLOCK, emptyPipe.source().read(one));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) f.get();
        } finally {
            bad.detach();
        }
    }

    // A number far above anything open: the kernel answers EBADF (panio's own closed check
    // does not apply). Detached after the test so that nothing ever closes the number.
    private static FileDescriptor bad;

    private static FileDescriptor unownedBadFd() {
        return bad;
    }

    interface Call {
        void run() throws Exception;
    }

    private static void expect(Errno errno, Call call) throws Exception {
        try {
            call.run();
            fail("expected " + errno);
        } catch (ErrnoException e) {
            assertSame(errno, e.errno(), e.getMessage());
        }
    }
}
