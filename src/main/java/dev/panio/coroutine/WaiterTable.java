package dev.panio.coroutine;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Who waits on each fd number: a table indexed by the number (fds are small integers, the
 * lowest free one each time), in chunks of 4,096 made as numbers grow, each slot holding the
 * waiting {@code Thread}, a {@code Thread[]} when several wait, or null. Slots change by
 * compare-and-set, so entering and leaving a wait costs no allocation and no shared counter
 * (a {@code ConcurrentHashMap} did both, and was a fifth of a wait's cost).
 */
final class WaiterTable {
    private static final int CHUNK_BITS = 12, CHUNK = 1 << CHUNK_BITS;

    @SuppressWarnings("unchecked")
    private volatile AtomicReferenceArray<Object>[] chunks = new AtomicReferenceArray[0];
    private final ReentrantLock growing = new ReentrantLock(); // not synchronized: virtual threads park on it

    /** Adds {@code t} to the waiters of {@code fd}. */
    void add(int fd, Thread t) {
        AtomicReferenceArray<Object> c = chunk(fd, true);
        int i = fd & (CHUNK - 1);
        for (;;) {
            Object v = c.get(i);
            if (c.compareAndSet(i, v, v == null ? t : plus(v, t))) return;
        }
    }

    /** Removes {@code t} from the waiters of {@code fd}. */
    void remove(int fd, Thread t) {
        AtomicReferenceArray<Object> c = chunk(fd, false);
        if (c == null) return;
        int i = fd & (CHUNK - 1);
        for (;;) {
            Object v = c.get(i);
            Object n = minus(v, t);
            if (n == v || c.compareAndSet(i, v, n)) return;
        }
    }

    /** The waiters of {@code fd}: a Thread, a Thread[] or null. */
    Object get(int fd) {
        AtomicReferenceArray<Object> c = chunk(fd, false);
        return c == null ? null : c.get(fd & (CHUNK - 1));
    }

    private AtomicReferenceArray<Object> chunk(int fd, boolean make) {
        int at = fd >>> CHUNK_BITS;
        AtomicReferenceArray<Object>[] cs = chunks;
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

    private static Object plus(Object v, Thread t) {
        Thread[] old = v instanceof Thread one ? new Thread[] {one} : (Thread[]) v;
        Thread[] grown = java.util.Arrays.copyOf(old, old.length + 1);
        grown[old.length] = t;
        return grown;
    }

    private static Object minus(Object v, Thread t) {
        if (v == t) return null;
        if (!(v instanceof Thread[] all)) return v;
        int at = -1;
        for (int i = 0; i < all.length; i++) if (all[i] == t) at = i;
        if (at < 0) return v;
        if (all.length == 2) return all[1 - at];
        Thread[] shrunk = new Thread[all.length - 1];
        System.arraycopy(all, 0, shrunk, 0, at);
        System.arraycopy(all, at + 1, shrunk, at, all.length - at - 1);
        return shrunk;
    }
}
