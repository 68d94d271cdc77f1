package dev.panio.io;

import dev.panio.internal.gen.iovec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A reusable native {@code struct iovec} array for {@code readv}/{@code writev}: fill it
 * with {@link #add}, use it, {@link #clear()} it, fill it again. No allocation after
 * construction. Only off-heap segments can be added (the kernel reads the addresses).
 * Not thread-safe.
 */
public final class IoVec {
    private final MemorySegment array;
    private final int capacity;
    private int count;
    private long totalBytes;

    /** An array of {@code capacity} entries allocated in {@code arena}. */
    public IoVec(Arena arena, int capacity) {
        if (capacity <= 0 || capacity > 1024) {
            throw new IllegalArgumentException("iovec capacity must be 1..1024 (IOV_MAX), was " + capacity);
        }
        this.capacity = capacity;
        this.array = iovec.allocateArray(capacity, arena);
    }

    /** Appends {@code buf} as the next entry. */
    public IoVec add(MemorySegment buf) {
        if (!buf.isNative()) throw new IllegalArgumentException("iovec entries must be off-heap segments");
        if (count == capacity) throw new IllegalStateException("iovec is full (" + capacity + " entries)");
        MemorySegment e = iovec.asSlice(array, count);
        iovec.iov_base(e, buf);
        iovec.iov_len(e, buf.byteSize());
        count++;
        totalBytes += buf.byteSize();
        return this;
    }

    /** Forgets every entry. */
    public IoVec clear() {
        count = 0;
        totalBytes = 0;
        return this;
    }

    /** Entries added since the last {@link #clear()}. */
    public int count() {
        return count;
    }

    /** The sum of the entries' lengths. */
    public long totalBytes() {
        return totalBytes;
    }

    /** The off-heap array, for calls that take a {@code struct iovec *}. */
    public MemorySegment segment() {
        return array;
    }
}
