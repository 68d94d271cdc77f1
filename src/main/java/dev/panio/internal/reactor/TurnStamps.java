package dev.panio.internal.reactor;

import java.util.Arrays;

/**
 * The timeouts' clock for connections served on a loop thread: one clock read per phase of
 * a turn instead of one per read and one per write.
 *
 * <p>A read or a write on such a connection only marks it ({@link BaseConnection#readSeen},
 * {@link BaseConnection#wroteSeen}); after the turn's I/O, and again after its timers and
 * tasks if they marked any, the loop reads the clock once and gives every marked connection
 * that time ({@link #stamp}). A stamp is therefore never earlier than what it records (the
 * clock is read after it), so a timeout never ends a connection early; it is late by at
 * most the rest of that phase (the callbacks after it in the same turn). A timer check that
 * finds a mark not yet stamped counts the activity as happening now
 * ({@link BaseConnection#checkIdle} and the others).
 *
 * <p>Loop thread only. Two {@code clock_gettime} calls per request were about 1 % of the
 * demo server's CPU at 256 connections (results/profile.md).
 */
final class TurnStamps {
    private BaseConnection[] marked = new BaseConnection[64];
    private int count;

    /** Remembers {@code c}, marked for the first time since the last stamp. */
    void add(BaseConnection c) {
        if (count == marked.length) marked = Arrays.copyOf(marked, count * 2);
        marked[count++] = c;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Gives every marked connection the time {@code now}, read after what marked it. */
    void stamp(long now) {
        BaseConnection[] m = marked;
        for (int i = 0, n = count; i < n; i++) {
            m[i].stampMarks(now);
            m[i] = null;
        }
        count = 0;
    }
}
