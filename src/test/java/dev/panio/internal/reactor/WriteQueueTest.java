package dev.panio.internal.reactor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The write queue on its own: chunking, order of bytes and file regions, accounting, ownership. */
@NoFdLeaks
class WriteQueueTest {
    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed);
        return b;
    }

    @Test
    void bytesSpanChunksAndComeOutInOrder() {
        ChunkPool pool = new ChunkPool();
        WriteQueue q = new WriteQueue(pool);
        byte[] data = bytes(40 * 1024, 1);
        q.append(MemorySegment.ofArray(data), 0, data.length);
        assertEquals(data.length, q.bytes());
        assertEquals(data.length, q.memoryBytes());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int chunks = 0;
        while (!q.isEmpty()) {
            ChunkPool.Chunk c = q.headChunk();
            assertNotNull(c);
            int n = Math.min(5000, c.end - c.start); // the kernel takes part of a chunk at a time
            out.write(c.segment.asSlice(c.start, n).toArray(ValueLayout.JAVA_BYTE), 0, n);
            if (n == c.end - c.start) chunks++;
            q.consume(n);
        }
        assertArrayEquals(data, out.toByteArray());
        assertEquals(3, chunks, "40 KiB in 16 KiB chunks");
        assertEquals(0, q.bytes());
        assertEquals(0, q.memoryBytes());
    }

    @Test
    void fileRegionsKeepTheirPlaceBetweenBytesAndAreClosedOnceSent() throws Exception {
        WriteQueue q = new WriteQueue(new ChunkPool());
        FileDescriptor file = LinuxFiles.memfd("region", 100);
        q.append(MemorySegment.ofArray(bytes(10, 2)), 0, 10);
        q.appendFile(file, 20, 50);
        q.append(MemorySegment.ofArray(bytes(7, 3)), 0, 7);
        assertEquals(67, q.bytes(), "watermarks count file bytes");
        assertEquals(17, q.memoryBytes(), "the hard limit counts only copied bytes");
        assertNotNull(q.headChunk());
        q.consume(10);
        WriteQueue.FileRegion f = q.headFile();
        assertNotNull(f);
        assertNull(q.headChunk());
        q.consume(30);
        assertEquals(50, f.position);
        assertEquals(20, f.remaining);
        assertTrue(file.isOpen());
        q.consume(20);
        assertFalse(file.isOpen(), "the queue owns the region's fd and closes it once sent");
        assertEquals(7, q.headChunk().end - q.headChunk().start);
        q.consume(7);
        assertTrue(q.isEmpty());
    }

    @Test
    void clearClosesQueuedFilesAndReturnsChunks() throws Exception {
        ChunkPool pool = new ChunkPool();
        WriteQueue q = new WriteQueue(pool);
        FileDescriptor file = LinuxFiles.memfd("dropped", 10);
        q.append(MemorySegment.ofArray(bytes(100, 4)), 0, 100);
        ChunkPool.Chunk used = q.headChunk();
        q.appendFile(file, 0, 10);
        q.clear();
        assertFalse(file.isOpen());
        assertTrue(q.isEmpty());
        assertEquals(0, q.bytes());
        assertSame(used, pool.take(), "the chunk went back to the pool");
    }

    @Test
    void thePoolRecyclesChunksEmptiedAndStopsAfterClose() {
        ChunkPool pool = new ChunkPool();
        ChunkPool.Chunk c = pool.take();
        c.start = 3;
        c.end = 9;
        pool.give(c);
        ChunkPool.Chunk again = pool.take();
        assertSame(c, again);
        assertEquals(0, again.start);
        assertEquals(0, again.end);
        pool.close();
        pool.give(again);
        assertFalse(pool.take() == again, "a closed pool keeps nothing");
    }
}
