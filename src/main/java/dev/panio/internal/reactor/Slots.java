package dev.panio.internal.reactor;

import java.util.Arrays;

/**
 * A table of live objects addressed by 64-bit tokens (generation << 32 | slot). A slot's
 * generation changes when it is freed, so an event or completion still carrying the old
 * token is recognised as stale and dropped, even after the slot is reused.
 */
public final class Slots<T> {
    /**
     * The most slots: a slot index must fit the 24 bits the io_uring driver gives it in a
     * completion's user data (beside a 32-bit generation and an 8-bit kind). One less than
     * 2^24, so no token can encode to io_uring's reserved user data.
     */
    public static final int MAX_SLOTS = (1 << 24) - 1;

    private Object[] items = new Object[64];
    private int[] generations = new int[64];
    private int[] free = new int[64];
    private int freeCount;
    private int next;

    public long add(T item) {
        if (freeCount == 0 && next >= MAX_SLOTS) {
            throw new IllegalStateException("more than " + MAX_SLOTS + " live objects in one loop");
        }
        int slot = freeCount > 0 ? free[--freeCount] : next++;
        if (slot >= items.length) {
            items = Arrays.copyOf(items, items.length * 2);
            generations = Arrays.copyOf(generations, generations.length * 2);
        }
        items[slot] = item;
        return ((long) ++generations[slot] << 32) | slot;
    }

    /** The object of {@code token}, or null if it was removed since. */
    @SuppressWarnings("unchecked")
    public T get(long token) {
        int slot = (int) (token & 0xffffffffL);
        if (slot >= items.length || generations[slot] != (int) (token >>> 32)) return null;
        return (T) items[slot];
    }

    public void remove(long token) {
        int slot = (int) (token & 0xffffffffL);
        if (get(token) == null) return;
        items[slot] = null;
        generations[slot]++;
        if (freeCount == free.length) free = Arrays.copyOf(free, free.length * 2);
        free[freeCount++] = slot;
    }

    /** A snapshot of the live objects. */
    public Object[] snapshot() {
        return Arrays.stream(items, 0, next).filter(o -> o != null).toArray();
    }
}
