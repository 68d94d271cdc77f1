package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: every call built the text of its would-be IllegalArgumentException (call, fd
 * number) before checking the buffer, a string per read or write on the hottest path.
 */
@dev.panio.testkit.NoFdLeaks
@Timeout(60)
class UringBlockingAllocationTest {
    @BeforeAll
    static void ring() {
        assumeTrue(UringBlocking.available());
    }

    @Test
    void aReadAllocatesNothingPerCall(@TempDir Path tmp) throws Exception {
        Path path = tmp.resolve("f");
        java.nio.file.Files.write(path, new byte[4096]);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (FileDescriptor f = LinuxFiles.openReadWrite(path); Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(64);
            for (int i = 0; i < 20_000; i++) UringBlocking.read(f, b, 0); // warm: JIT, the thread's op
            int calls = 20_000;
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) UringBlocking.read(f, b, 0);
            long perCall = (mx.getCurrentThreadAllocatedBytes() - before) / calls;
            assertTrue(perCall < 8, "bytes allocated per read: " + perCall);
        }
    }
}
