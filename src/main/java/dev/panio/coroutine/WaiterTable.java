package dev.panio.coroutine;

/**
 * Who waits on each fd number: the waiting {@code Thread}, a {@code Thread[]} when several
 * wait, or null, in {@link FdSlots} (a {@code ConcurrentHashMap} cost a fifth of a wait's
 * CPU in its insert, remove and shared counter).
 */
final class WaiterTable {
    private final FdSlots<Object> slots = new FdSlots<>();

    /** Adds {@code t} to the waiters of {@code fd}. */
    void add(int fd, Thread t) {
        for (;;) {
            Object v = slots.get(fd);
            if (slots.compareAndSet(fd, v, v == null ? t : plus(v, t))) return;
        }
    }

    /** Removes {@code t} from the waiters of {@code fd}. */
    void remove(int fd, Thread t) {
        for (;;) {
            Object v = slots.get(fd);
            Object n = minus(v, t);
            if (n == v || slots.compareAndSet(fd, v, n)) return;
        }
    }

    /** The waiters of {@code fd}: a Thread, a Thread[] or null. */
    Object get(int fd) {
        return slots.get(fd);
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
