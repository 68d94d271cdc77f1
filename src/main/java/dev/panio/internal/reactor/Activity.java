package dev.panio.internal.reactor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * When a connection last read, wrote, and began waiting to write: the clocks its idle, read
 * and write timeouts compare with.
 *
 * <p>On a loop backend every read and write happens on the loop thread, and reading the
 * clock for each was two {@code clock_gettime} calls per request. There a call here only
 * marks the connection; the loop's {@link TurnStamps} reads the clock once after the phase
 * of the turn that made the marks, and {@link #stamp} turns them into times. A stamp is so
 * never earlier than what it records, and late by at most the rest of that phase. A check
 * that finds a mark not yet stamped treats a read or a write as now; a write that only began
 * waiting (the kernel took nothing yet; on io_uring, a SEND just submitted) is no activity,
 * but the idle check looks again in the next turn, when the bytes may have gone.
 *
 * <p>With a thread per connection (no {@code TurnStamps}) each call reads the clock itself.
 *
 * <p>Threads: the calls that record, from the threads that read and write (the loop thread
 * alone on a loop backend, which also owns the marks); the checks, from the loop's timers.
 * The times are opaque: atomic and seen by the timers soon, without the fence a volatile store
 * costs on every read and write.
 */
final class Activity {
    private static final VarHandle LAST_ACTIVITY, LAST_READ, LAST_WRITE_PROGRESS;

    static {
        try {
            var l = MethodHandles.lookup();
            LAST_ACTIVITY = l.findVarHandle(Activity.class, "lastActivity", long.class);
            LAST_READ = l.findVarHandle(Activity.class, "lastRead", long.class);
            LAST_WRITE_PROGRESS = l.findVarHandle(Activity.class, "lastWriteProgress", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Marks waiting for the next stamp: a read, bytes the kernel took, a write that began waiting. */
    private static final int READ = 1, WRITE = 2, WAIT = 4;

    /** The loop's stamps, or null where each call reads the clock (a thread per connection). */
    private final TurnStamps stamps;
    /** Last read or write (idle timeout), last read (read timeout), last progress of a write or the start of its wait (write timeout). */
    @SuppressWarnings("unused") // through the VarHandles
    private long lastActivity, lastRead, lastWriteProgress;
    /** Marks not yet stamped; the loop thread's. */
    private int marks;

    /** @param stamps the loop's {@link TurnStamps} where reads and writes happen on its thread, or null */
    Activity(TurnStamps stamps) {
        this.stamps = stamps;
        long now = System.nanoTime();
        lastActivity = now;
        lastRead = now;
        lastWriteProgress = now;
    }

    /** Bytes were read. */
    void read() {
        if (stamps != null) mark(READ);
        else stampRead(System.nanoTime());
    }

    /** The kernel took bytes of a write. */
    void wrote() {
        if (stamps != null) mark(WRITE);
        else stampWrote(System.nanoTime());
    }

    /** A write began waiting for the kernel: the write timeout counts from here. */
    void writeBeganWaiting() {
        if (stamps != null) mark(WAIT);
        else LAST_WRITE_PROGRESS.setOpaque(this, System.nanoTime());
    }

    private void mark(int m) {
        if (marks == 0) stamps.add(this);
        marks |= m;
    }

    /** Turns the marks into times: {@code now} was read after they were made. Loop thread. */
    void stamp(long now) {
        int m = marks;
        marks = 0;
        if ((m & READ) != 0) stampRead(now);
        if ((m & WRITE) != 0) stampWrote(now);
        else if ((m & WAIT) != 0) LAST_WRITE_PROGRESS.setOpaque(this, now);
    }

    private void stampRead(long t) {
        LAST_ACTIVITY.setOpaque(this, t);
        LAST_READ.setOpaque(this, t);
    }

    private void stampWrote(long t) {
        LAST_ACTIVITY.setOpaque(this, t);
        LAST_WRITE_PROGRESS.setOpaque(this, t);
    }

    /**
     * Nanoseconds at {@code now} since the last read or write, or -1 if a write began waiting
     * since the last stamp and nothing else happened: look again in the next turn.
     */
    long idleNanos(long now) {
        if ((marks & (READ | WRITE)) != 0) return 0;
        if ((marks & WAIT) != 0) return -1;
        return now - (long) LAST_ACTIVITY.getOpaque(this);
    }

    /** Nanoseconds at {@code now} since the last read. */
    long quietNanos(long now) {
        return (marks & READ) != 0 ? 0 : now - (long) LAST_READ.getOpaque(this);
    }

    /** Nanoseconds at {@code now} since a waiting write last made progress or began to wait. */
    long stalledNanos(long now) {
        return (marks & (WRITE | WAIT)) != 0 ? 0 : now - (long) LAST_WRITE_PROGRESS.getOpaque(this);
    }
}
