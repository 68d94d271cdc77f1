package dev.panio.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.io.Pipe;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@NoFdLeaks
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard: a wait stuck in a downcall ignores interrupts
class RegisteredBuffersTest {
    @BeforeAll
    static void needsIoUring() {
        assumeTrue(IoUring.availability().available(), () -> "io_uring unavailable here: " + IoUring.availability().reason());
    }

    @Test
    void writeFixedAndReadFixedMoveBytesThroughAPipeByIndex() throws Exception {
        try (IoUring ring = IoUring.open(8); Pipe p = Pipe.open(true)) {
            RegisteredBuffers bufs = ring.registerBuffers(4, 1000);
            assertEquals(4, bufs.count());
            assertEquals(1000, bufs.size());
            byte[] data = new byte[300];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
            MemorySegment.copy(data, 0, bufs.buffer(2), ValueLayout.JAVA_BYTE, 100, data.length);
            Completions c = new Completions(ring);
            ring.sqe().writeFixed(p.sink().intValue(), 2, 100, data.length, -1).userData(1);
            assertEquals(data.length, c.await(1).get(0).res());
            ring.sqe().readFixed(p.source().intValue(), 3, 0, 1000, -1).userData(2);
            assertEquals(data.length, c.await(1).get(0).res());
            assertArrayEquals(data, bufs.buffer(3).asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void ringOwnedMemoryIsZeroedPageAlignedAndUsableForAnyOperation() throws Exception {
        try (IoUring ring = IoUring.open(8); Pipe p = Pipe.open(true)) {
            MemorySegment m = ring.allocate(10_000);
            assertEquals(10_000, m.byteSize());
            assertEquals(0, m.address() % 4096);
            assertEquals(0, m.get(ValueLayout.JAVA_LONG, 8000));
            p.sink().write(MemorySegment.ofArray(new byte[] {1, 2, 3}));
            ring.sqe().read(p.source().intValue(), m, -1).userData(9);
            assertEquals(3, new Completions(ring).await(1).get(0).res());
            assertEquals(3, m.get(ValueLayout.JAVA_BYTE, 2));
        }
    }
}
