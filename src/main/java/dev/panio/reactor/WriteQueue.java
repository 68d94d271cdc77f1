package dev.panio.reactor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Bytes accepted by {@link Connection#write} and not yet taken by the kernel, in pooled
 * off-heap chunks. The head chunk's pending bytes are {@link #head()}; {@link #consume}
 * drops what the kernel took. Single-threaded (the loop's).
 */
final class WriteQueue {
    private final ChunkPool pool;
    private final ArrayDeque<MemorySegment> chunks = new ArrayDeque<>();
    private int headStart;   // first unsent byte in the head chunk
    private int tailEnd;     // end of data in the tail chunk
    private long bytes;

    WriteQueue(ChunkPool pool) {
        this.pool = pool;
    }

    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return bytes == 0;
    }

    void append(MemorySegment data) {
        long off = 0, len = data.byteSize();
        while (off < len) {
            MemorySegment tail = chunks.peekLast();
            if (tail == null || tailEnd == ChunkPool.CHUNK_BYTES) {
                tail = pool.take();
                chunks.addLast(tail);
                tailEnd = 0;
            }
            int n = (int) Math.min(len - off, ChunkPool.CHUNK_BYTES - tailEnd);
            MemorySegment.copy(data, off, tail, tailEnd, n);
            tailEnd += n;
            off += n;
            bytes += n;
        }
    }

    /** The unsent bytes of the head chunk; empty if the queue is. */
    MemorySegment head() {
        MemorySegment h = chunks.peekFirst();
        if (h == null) return MemorySegment.NULL;
        int end = chunks.size() == 1 ? tailEnd : ChunkPool.CHUNK_BYTES;
        return h.asSlice(headStart, end - headStart);
    }

    /** Drops {@code n} bytes from the front (at most the head chunk's). */
    void consume(long n) {
        headStart += (int) n;
        bytes -= n;
        int end = chunks.size() == 1 ? tailEnd : ChunkPool.CHUNK_BYTES;
        if (headStart == end) {
            pool.give(chunks.pollFirst());
            headStart = 0;
            if (chunks.isEmpty()) tailEnd = 0;
        }
    }

    /**
     * Empties the queue without returning chunks to the pool: for a connection whose send
     * may still be reading the head chunk in the kernel.
     */
    void discard() {
        chunks.clear();
        headStart = tailEnd = 0;
        bytes = 0;
    }

    void clear() {
        MemorySegment c;
        while ((c = chunks.pollFirst()) != null) pool.give(c);
        headStart = tailEnd = 0;
        bytes = 0;
    }
}
