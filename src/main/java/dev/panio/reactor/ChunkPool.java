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

    /** One buffer and the queued bytes in it, {@code [start, end)}. */
    static final class Chunk {
        final MemorySegment segment = Arena.ofAuto().allocate(CHUNK_BYTES, 64);
        int start;
        int end;
    }

    private final ArrayDeque<Chunk> free = new ArrayDeque<>();
    private boolean closed;

    Chunk take() {
        Chunk c = free.pollLast();
        return c != null ? c : new Chunk();
    }

    void give(Chunk chunk) {
        chunk.start = chunk.end = 0;
        if (!closed && free.size() < MAX_POOLED) free.addLast(chunk);
    }

    void close() {
        closed = true;
        free.clear(); // chunks are freed by the GC with their automatic arenas
    }
}
