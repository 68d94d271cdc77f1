package dev.panio.select;

import dev.panio.internal.gen.fd_set;
import dev.panio.internal.gen.timeval;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.Timeouts;
import dev.panio.internal.io.MultiplexerLife;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MultiplexCalls;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code select(2)} over three {@code fd_set}s (read, write, exceptional), the first of
 * the multiplexing models.
 *
 * <p>An {@code fd_set} is a fixed bitmap of {@link #FD_SETSIZE} bits, so select can only
 * watch descriptors numbered 0..1023: {@link #add} refuses a larger one with
 * {@code EINVAL} before any foreign call (glibc's {@code FD_SET} would write past the set).
 * The kernel overwrites the sets it is given, so the interest sets are kept apart and
 * copied into working sets before each call: every wait rescans all registered fds, which
 * is why select's cost grows with the number of fds watched.
 *
 * <p>No allocation per {@link #select}. Threads: one thread at a time registers, waits and
 * reads results; {@link #close()} may be called from any thread.
 *
 * <p>Lifecycle: {@code close()} is idempotent. Closing while another thread is in
 * {@link #select} wakes it (the read set always holds one hidden eventfd that only a close
 * signals) and its {@code select} throws {@link ClosedException}; the sets are freed when
 * that call returns, never under it. Every call after close throws {@code ClosedException}.
 */
public final class Select implements AutoCloseable {
    /** Descriptors must be below this ({@code FD_SETSIZE} in glibc). */
    public static final int FD_SETSIZE = (int) (fd_set.sizeof() * 8);
    /** Interest and readiness in the read set. */
    public static final int READ = 1;
    /** Interest and readiness in the write set. */
    public static final int WRITE = 2;
    /** Interest and readiness in the exceptional set (TCP urgent data). */
    public static final int EXCEPT = 4;

    private static final int WORDS = FD_SETSIZE / 64;

    private final Arena arena = Arena.ofShared();
    private final MultiplexerLife life;
    private final int wakeFd;
    private final MemorySegment[] interest = new MemorySegment[3];
    private final MemorySegment[] ready = new MemorySegment[3];
    private final MemorySegment timeout = arena.allocate(timeval.layout());
    private final FileDescriptor[] registered = new FileDescriptor[FD_SETSIZE];
    private int maxFd = -1; // of the user's fds
    private int count;

    /**
     * Empty sets.
     *
     * @throws ErrnoException if the eventfd that lets {@link #close()} wake a waiter cannot be
     *         had, or has a number of {@link #FD_SETSIZE} (1024) or more (every lower one is taken)
     */
    public Select() throws ErrnoException {
        for (int i = 0; i < 3; i++) {
            interest[i] = arena.allocate(fd_set.layout());
            ready[i] = arena.allocate(fd_set.layout());
        }
        life = new MultiplexerLife(arena, null);
        int n = life.wakeFd().intValue();
        if (n >= FD_SETSIZE) {
            life.close();
            throw new ErrnoException("select", "no fd below FD_SETSIZE (" + FD_SETSIZE + ") left for the close wake-up", n, Errno.EMFILE);
        }
        wakeFd = n;
    }

    /**
     * Watches {@code fd} for {@code ops} (a mix of READ, WRITE, EXCEPT), replacing earlier interest.
     *
     * @param fd  an open descriptor numbered below {@link #FD_SETSIZE}; it stays the caller's
     * @param ops a non-empty mix of {@link #READ}, {@link #WRITE} and {@link #EXCEPT}
     * @throws IllegalArgumentException if {@code ops} is empty or has other bits
     * @throws ClosedException if this select is closed
     * @throws ErrnoException {@code EINVAL} for an fd of {@link #FD_SETSIZE} (1024) or more, {@code EBADF}
     *         for a closed one, both before any call
     */
    public void add(FileDescriptor fd, int ops) throws ErrnoException {
        life.ensureOpen(this, "select add");
        int n = fd.intValue();
        if (n >= FD_SETSIZE) {
            throw new ErrnoException("select", "fd >= FD_SETSIZE (" + FD_SETSIZE + ")", n, Errno.EINVAL);
        }
        if (!fd.isOpen()) throw new ErrnoException("select", "closed", n, Errno.EBADF);
        if ((ops & ~(READ | WRITE | EXCEPT)) != 0 || ops == 0) {
            throw new IllegalArgumentException("select ops must be a non-empty mix of READ, WRITE, EXCEPT: " + ops);
        }
        try {
            for (int set = 0; set < 3; set++) {
                setBit(interest[set], n, (ops & (1 << set)) != 0);
            }
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "select add");
        }
        if (registered[n] == null) count++;
        registered[n] = fd;
        if (n > maxFd) maxFd = n;
    }

    /**
     * Stops watching {@code fd}; harmless if it was not watched.
     *
     * @param fd the descriptor given to {@link #add}
     * @throws ClosedException if this select is closed
     */
    public void remove(FileDescriptor fd) {
        life.ensureOpen(this, "select remove");
        int n = fd.intValue();
        if (n >= FD_SETSIZE || registered[n] != fd) return;
        try {
            for (int set = 0; set < 3; set++) setBit(interest[set], n, false);
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "select remove");
        }
        registered[n] = null;
        count--;
        while (maxFd >= 0 && registered[maxFd] == null) maxFd--;
    }

    /**
     * Number of watched descriptors.
     *
     * @return the descriptors added and not removed (the hidden eventfd not counted)
     * @throws ClosedException if this select is closed
     */
    public int size() {
        life.ensureOpen(this, "select size");
        return count;
    }

    /**
     * Waits until a watched fd is ready or the timeout passes. {@code EINTR} is retried with
     * the time that remains.
     *
     * @param timeoutMillis negative waits indefinitely, 0 only polls
     * @return the number of ready (fd, set) pairs, 0 on timeout
     * @throws ClosedException if closed before or during the wait
     * @throws ErrnoException if {@code select} fails; {@code EBADF} naming a watched fd that
     *         was closed without {@link #remove}
     */
    public int select(long timeoutMillis) throws ErrnoException {
        CallState cs = CallState.current();
        life.acquire(this, "select");
        try {
            long deadline = Timeouts.deadline(timeoutMillis);
            for (;;) {
                for (int set = 0; set < 3; set++) {
                    MemorySegment.copy(interest[set], 0, ready[set], 0, fd_set.sizeof());
                }
                setBit(ready[0], wakeFd, true);
                long left = Timeouts.remainingNanos(deadline);
                MemorySegment tv = MemorySegment.NULL;
                if (left >= 0) {
                    timeval.tv_sec(timeout, left / 1_000_000_000L);
                    // round up to the microsecond: a wait never ends early
                    timeval.tv_usec(timeout, (left % 1_000_000_000L + 999) / 1000);
                    if (timeval.tv_usec(timeout) == 1_000_000L) {
                        timeval.tv_sec(timeout, timeval.tv_sec(timeout) + 1);
                        timeval.tv_usec(timeout, 0);
                    }
                    tv = timeout;
                }
                int r = MultiplexCalls.select(cs, Math.max(maxFd, wakeFd) + 1, ready[0], ready[1], ready[2], tv);
                if (life.isClosed()) throw new ClosedException("select", toString());
                if (r >= 0) return r;
                if (Results.interrupted(r)) continue;
                if (Results.is(r, Errno.EBADF)) throw closedWatched();
                throw Results.failure("select", null, -1, r);
            }
        } finally {
            life.release();
        }
    }

    private ErrnoException closedWatched() {
        for (int n = 0; n <= maxFd; n++) {
            if (registered[n] != null && !registered[n].isOpen()) {
                return new ErrnoException("select", "watched fd was closed", n, Errno.EBADF);
            }
        }
        return new ErrnoException("select", -1, Errno.EBADF);
    }

    /**
     * What the last {@link #select} found ready on {@code fd}: a mix of READ, WRITE, EXCEPT.
     *
     * @param fd a descriptor number
     * @return the ready sets' bits, 0 if none or if {@code fd} is not watched
     * @throws ClosedException if this select is closed
     */
    public int readyOps(int fd) {
        life.ensureOpen(this, "select readyOps");
        if (fd < 0 || fd > maxFd || registered[fd] == null) return 0;
        int ops = 0;
        try {
            for (int set = 0; set < 3; set++) {
                if (bit(ready[set], fd)) ops |= 1 << set;
            }
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "select readyOps");
        }
        return ops;
    }

    /**
     * The lowest fd &ge; {@code from} with any readiness from the last {@link #select}, or -1.
     * Loop with {@code nextReady(fd + 1)} to visit every ready fd.
     *
     * @param from the lowest number to look at; negative counts as 0
     * @return the fd, or -1 if none is ready from {@code from} on
     * @throws ClosedException if this select is closed
     */
    public int nextReady(int from) {
        life.ensureOpen(this, "select nextReady");
        if (from < 0) from = 0;
        try {
            return scanReady(from);
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "select nextReady");
        }
    }

    private int scanReady(int from) {
        for (int w = from >>> 6; w < WORDS && (w << 6) <= maxFd; w++) {
            long bits = ready[0].getAtIndex(ValueLayout.JAVA_LONG, w)
                    | ready[1].getAtIndex(ValueLayout.JAVA_LONG, w)
                    | ready[2].getAtIndex(ValueLayout.JAVA_LONG, w);
            if (w == wakeFd >>> 6) bits &= ~(1L << (wakeFd & 63)); // the hidden close wake-up
            if (w == from >>> 6) bits &= -1L << (from & 63);
            if (bits != 0) {
                int fd = (w << 6) + Long.numberOfTrailingZeros(bits);
                return fd <= maxFd ? fd : -1;
            }
        }
        return -1;
    }

    /**
     * The descriptor registered under {@code fd}, or null.
     *
     * @param fd a descriptor number, e.g. from {@link #nextReady}
     * @return the object given to {@link #add}, or null if none is watched under that number
     * @throws ClosedException if this select is closed
     */
    public FileDescriptor descriptor(int fd) {
        life.ensureOpen(this, "select descriptor");
        return fd >= 0 && fd < FD_SETSIZE ? registered[fd] : null;
    }

    // FD_SET / FD_CLR / FD_ISSET are macros in C; these are the same bit arithmetic on
    // the generated fd_set layout (an array of 64-bit __fd_mask words).
    private static void setBit(MemorySegment set, int fd, boolean on) {
        long word = set.getAtIndex(ValueLayout.JAVA_LONG, fd >>> 6);
        long mask = 1L << (fd & 63);
        set.setAtIndex(ValueLayout.JAVA_LONG, fd >>> 6, on ? word | mask : word & ~mask);
    }

    private static boolean bit(MemorySegment set, int fd) {
        return (set.getAtIndex(ValueLayout.JAVA_LONG, fd >>> 6) & (1L << (fd & 63))) != 0;
    }

    /**
     * Frees the off-heap sets; the watched descriptors are not closed. Idempotent, from any
     * thread; a thread in {@link #select} is woken and throws {@link ClosedException}.
     */
    @Override
    public void close() {
        life.close();
    }

    @Override
    public String toString() {
        return "Select[" + count + " fds]";
    }
}
