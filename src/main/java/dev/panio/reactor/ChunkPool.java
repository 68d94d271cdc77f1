package dev.panio.reactor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Fixed-size off-heap buffers for write queues, recycled so that steady-state writing
 * allocates nothing. Belongs to one loop thread.
 */
final class ChunkPool {
    static final int CHUNK_BYTES = 16 * 1024;
    private static final int MAX_POOLED = 1024;

    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();
    private boolean closed;

    MemorySegment take() {
        MemorySegment s = free.pollLast();
        return s != null ? s : Arena.ofAuto().allocate(CHUNK_BYTES, 64);
    }

    void give(MemorySegment chunk) {
        if (!closed && free.size() < MAX_POOLED) free.addLast(chunk);
    }

    void close() {
        closed = true;
        free.clear(); // chunks are freed by the GC with their automatic arenas
    }
}
