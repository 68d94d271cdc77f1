package dev.panio.internal.reactor;

import java.util.Arrays;

/**
 * The clock of a loop's connections' timeouts: one read per phase of a turn instead of one
 * per read and one per write. Reads and writes mark their connection's {@link Activity};
 * after the turn's I/O, and again after its timers and tasks if they marked any, the loop
 * reads the clock once and {@link #stamp}s every connection marked since.
 *
 * <p>Loop thread only. Two {@code clock_gettime} calls per request were about 1 % of the
 * demo server's CPU at 256 connections (results/profile.md).
 */
final class TurnStamps {
    private Activity[] marked = new Activity[64];
    private int count;

    /** Remembers {@code c}, marked for the first time since the last stamp. */
    void add(Activity c) {
        if (count == marked.length) marked = Arrays.copyOf(marked, count * 2);
        marked[count++] = c;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Gives every marked connection the time {@code now}, read after what marked it. */
    void stamp(long now) {
        Activity[] m = marked;
        for (int i = 0, n = count; i < n; i++) {
            m[i].stamp(now);
            m[i] = null;
        }
        count = 0;
    }
}
