package dev.panio.coroutine;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One slot per fd number: fds are small integers (the lowest free one each time), so a table
 * indexed by the number, in chunks of 4,096 made as numbers grow, finds a slot with two
 * array reads and changes it by compare-and-set: no hashing, no allocation, no shared
 * counter.
 */
final class FdSlots<T> {
    private static final int CHUNK_BITS = 12, CHUNK = 1 << CHUNK_BITS;

    @SuppressWarnings("unchecked")
    private volatile AtomicReferenceArray<T>[] chunks = new AtomicReferenceArray[0];
    private final ReentrantLock growing = new ReentrantLock(); // not synchronized: virtual threads park on it

    /** The value in {@code fd}'s slot, or null. */
    T get(int fd) {
        AtomicReferenceArray<T> c = chunk(fd, false);
        return c == null ? null : c.get(fd & (CHUNK - 1));
    }

    /** Sets {@code fd}'s slot to {@code update} if it holds {@code expect}. */
    boolean compareAndSet(int fd, T expect, T update) {
        AtomicReferenceArray<T> c = chunk(fd, update != null);
        return c == null ? expect == null && update == null : c.compareAndSet(fd & (CHUNK - 1), expect, update);
    }

    /** Sets {@code fd}'s slot. */
    void set(int fd, T value) {
        AtomicReferenceArray<T> c = chunk(fd, value != null);
        if (c != null) c.set(fd & (CHUNK - 1), value);
    }

    private AtomicReferenceArray<T> chunk(int fd, boolean make) {
        int at = fd >>> CHUNK_BITS;
        AtomicReferenceArray<T>[] cs = chunks;
        if (at < cs.length && cs[at] != null) return cs[at];
        if (!make) return null;
        growing.lock();
        try {
            cs = chunks;
            if (at >= cs.length) cs = java.util.Arrays.copyOf(cs, at + 1);
            if (cs[at] == null) cs[at] = new AtomicReferenceArray<>(CHUNK);
            chunks = cs; // published whole: readers see the array with the chunk in it
            return cs[at];
        } finally {
            growing.unlock();
        }
    }
}
