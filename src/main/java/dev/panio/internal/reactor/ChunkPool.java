package dev.panio.internal.reactor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Fixed-size off-heap buffers for write queues, recycled so that steady-state writing
 * allocates nothing. Belongs to one loop thread.
 */
public final class ChunkPool {
    public static final int CHUNK_BYTES = 16 * 1024;
    private static final int MAX_POOLED = 1024;

    /** One buffer and the queued bytes in it, {@code [start, end)}. */
    public static final class Chunk {
        public final MemorySegment segment = Arena.ofAuto().allocate(CHUNK_BYTES, 64);
        public int start;
        public int end;
    }

    private final ArrayDeque<Chunk> free = new ArrayDeque<>();
    private boolean closed;

    public Chunk take() {
        Chunk c = free.pollLast();
        return c != null ? c : new Chunk();
    }

    public void give(Chunk chunk) {
        chunk.start = chunk.end = 0;
        if (!closed && free.size() < MAX_POOLED) free.addLast(chunk);
    }

    public void close() {
        closed = true;
        free.clear(); // chunks are freed by the GC with their automatic arenas
    }
}
