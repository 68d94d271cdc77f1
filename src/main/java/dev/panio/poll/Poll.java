package dev.panio.poll;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.pollfd;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.Timeouts;
import dev.panio.internal.io.MultiplexerLife;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MultiplexCalls;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * {@code poll(2)} over a reusable native {@code struct pollfd} array.
 *
 * <p>Unlike select there is no limit on fd numbers, but each wait still hands the whole
 * array to the kernel, which scans every entry: the cost grows with the number of fds
 * watched. Entries are addressed by index; {@link #remove} moves the last entry into the
 * freed slot and says which, so removal is O(1). Each entry carries a 64-bit user value.
 * The array grows by doubling; {@link #poll} itself allocates nothing.
 *
 * <p>Threads: one thread at a time adds, removes, polls and reads results; {@link #close()}
 * may be called from any thread.
 *
 * <p>Lifecycle: {@code close()} is idempotent. Closing while another thread is in
 * {@link #poll} wakes it (the array holds one hidden entry, an eventfd that only a close
 * signals) and its {@code poll} throws {@link ClosedException}; the array is freed when
 * that call returns, never under it. Every call after close throws {@code ClosedException}.
 */
public final class Poll implements AutoCloseable {
    /** There is data to read (or a connection to accept, or end of stream). */
    public static final short POLLIN = (short) LibC.POLLIN();
    /** There is exceptional data: TCP urgent data, say. */
    public static final short POLLPRI = (short) LibC.POLLPRI();
    /** Writing will not block. */
    public static final short POLLOUT = (short) LibC.POLLOUT();
    /** The stream peer closed its side or shut down writing. */
    public static final short POLLRDHUP = (short) LibC.POLLRDHUP();
    /** Always reported, never requested. */
    public static final short POLLERR = (short) LibC.POLLERR();
    /** Always reported, never requested. */
    public static final short POLLHUP = (short) LibC.POLLHUP();
    /** The fd is not open: always reported, never requested. */
    public static final short POLLNVAL = (short) LibC.POLLNVAL();
    /** The largest initial capacity accepted: 2<sup>20</sup> entries (Linux's default {@code fs.nr_open}). */
    public static final int MAX_INITIAL_CAPACITY = 1 << 20;

    private static final long SIZE = pollfd.sizeof();

    private final Arena arena = Arena.ofShared();
    private final MultiplexerLife life;
    // Entry 0 of the off-heap array is the close wake-up; user entry i is array entry i + 1.
    private MemorySegment fds;
    private FileDescriptor[] descriptors;
    private long[] data;
    private int size;

    /**
     * An empty set with room for {@code initialCapacity} fds before it grows.
     *
     * @param initialCapacity entries before the array first grows (at least 4 are made)
     * @throws ErrnoException if the eventfd that lets {@link #close()} wake a waiter cannot be had
     * @throws IllegalArgumentException if {@code initialCapacity} is not in 0..{@value #MAX_INITIAL_CAPACITY}
     */
    public Poll(int initialCapacity) throws ErrnoException {
        if (initialCapacity < 0 || initialCapacity > MAX_INITIAL_CAPACITY) {
            throw new IllegalArgumentException("poll: initial capacity must be 0.." + MAX_INITIAL_CAPACITY + ", was " + initialCapacity);
        }
        int cap = Math.max(4, initialCapacity);
        life = new MultiplexerLife(arena, null);
        try {
            fds = arena.allocate(SIZE * (cap + 1L), 8);
        } catch (RuntimeException e) {
            life.close();
            throw e;
        }
        pollfd.fd(fds, life.wakeFd().intValue());
        pollfd.events(fds, POLLIN);
        descriptors = new FileDescriptor[cap];
        data = new long[cap];
    }

    /**
     * Watches {@code fd} for {@code events} (POLLIN, POLLOUT, POLLPRI, POLLRDHUP).
     * Nothing stops the same fd from being added twice.
     *
     * @param fd       an open descriptor; it stays the caller's, and must be removed before it is closed
     * @param events   the {@code events} bits; 0 watches only for POLLERR, POLLHUP and POLLNVAL
     * @param userData a value to read back with {@link #data}
     * @return the entry's index, the size before the call
     * @throws IllegalArgumentException if {@code fd} is closed
     * @throws ClosedException if this poll is closed
     */
    public int add(FileDescriptor fd, short events, long userData) {
        life.ensureOpen(this, "poll add");
        if (!fd.isOpen()) throw new IllegalArgumentException("poll: " + fd + " is closed");
        try {
            if (size == descriptors.length) grow();
            MemorySegment e = fds.asSlice((size + 1) * SIZE, SIZE);
            pollfd.fd(e, fd.intValue());
            pollfd.events(e, events);
            pollfd.revents(e, (short) 0);
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "poll add");
        }
        int i = size++;
        descriptors[i] = fd;
        data[i] = userData;
        return i;
    }

    private void grow() {
        int cap = descriptors.length * 2;
        if (cap < 0) throw new IllegalStateException("poll: no more than " + descriptors.length + " entries");
        MemorySegment bigger = arena.allocate(SIZE * (cap + 1L), 8);
        MemorySegment.copy(fds, 0, bigger, 0, SIZE * (size + 1L));
        fds = bigger; // the old block is freed with the arena; growth is rare and doubling
        descriptors = Arrays.copyOf(descriptors, cap);
        data = Arrays.copyOf(data, cap);
    }

    /**
     * Changes the events watched at {@code index}.
     *
     * @param index an entry, 0 to {@link #size()} - 1
     * @param events the new {@code events} bits
     * @throws IndexOutOfBoundsException if there is no such entry
     * @throws ClosedException if this poll is closed
     */
    public void modify(int index, short events) {
        try {
            pollfd.events(entry(index, "poll modify"), events);
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "poll modify");
        }
    }

    /**
     * Removes the entry at {@code index} by moving the last entry into it.
     *
     * @param index an entry, 0 to {@link #size()} - 1
     * @return the old index of the entry that now sits at {@code index}, or -1 if it was the last
     * @throws IndexOutOfBoundsException if there is no such entry
     * @throws ClosedException if this poll is closed
     */
    public int remove(int index) {
        entry(index, "poll remove");
        int last = --size;
        if (index == last) {
            descriptors[last] = null;
            return -1;
        }
        try {
            MemorySegment.copy(fds, (last + 1) * SIZE, fds, (index + 1) * SIZE, SIZE);
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "poll remove");
        }
        descriptors[index] = descriptors[last];
        descriptors[last] = null;
        data[index] = data[last];
        return last;
    }

    /**
     * Waits until an entry is ready or the timeout passes; {@code EINTR} is retried with the
     * time that remains, and a timeout longer than {@code poll(2)} takes is waited out in parts.
     *
     * @param timeoutMillis negative waits indefinitely, 0 only polls
     * @return the number of entries with non-zero {@link #revents}
     * @throws ClosedException if closed before or during the wait
     * @throws ErrnoException if {@code poll} fails ({@code ENOMEM}, {@code EINVAL} past
     *         {@code RLIMIT_NOFILE} entries); a closed fd is not an error but {@link #POLLNVAL}
     */
    public int poll(long timeoutMillis) throws ErrnoException {
        CallState cs = CallState.current();
        life.acquire(this, "poll");
        try {
            long deadline = Timeouts.deadline(timeoutMillis);
            for (;;) {
                int r = MultiplexCalls.poll(cs, fds, size + 1L, Timeouts.remainingMillis(deadline));
                if (life.isClosed()) throw new ClosedException("poll", toString());
                if (r > 0) return r;
                if (r == 0 && !Timeouts.pending(deadline)) return 0;
                if (r < 0 && !Results.interrupted(r)) throw Results.failure("poll", null, -1, r);
            }
        } finally {
            life.release();
        }
    }

    /**
     * Number of entries.
     *
     * @return the entries added and not removed (the hidden one not counted)
     * @throws ClosedException if this poll is closed
     */
    public int size() {
        life.ensureOpen(this, "poll size");
        return size;
    }

    /**
     * What the last {@link #poll} found at {@code index}.
     *
     * @param index an entry, 0 to {@link #size()} - 1
     * @return the {@code revents} bits, 0 if not ready
     * @throws IndexOutOfBoundsException if there is no such entry
     * @throws ClosedException if this poll is closed
     */
    public short revents(int index) {
        try {
            return pollfd.revents(entry(index, "poll revents"));
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "poll revents");
        }
    }

    /**
     * The events watched at {@code index}.
     *
     * @param index an entry, 0 to {@link #size()} - 1
     * @return the {@code events} bits
     * @throws IndexOutOfBoundsException if there is no such entry
     * @throws ClosedException if this poll is closed
     */
    public short events(int index) {
        try {
            return pollfd.events(entry(index, "poll events"));
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "poll events");
        }
    }

    /**
     * The descriptor at {@code index}.
     *
     * @param index an entry, 0 to {@link #size()} - 1
     * @return the descriptor given to {@link #add}
     * @throws IndexOutOfBoundsException if there is no such entry
     * @throws ClosedException if this poll is closed
     */
    public FileDescriptor descriptor(int index) {
        entry(index, "poll descriptor");
        return descriptors[index];
    }

    /**
     * The user value at {@code index}.
     *
     * @param index an entry, 0 to {@link #size()} - 1
     * @return the {@code userData} given to {@link #add}
     * @throws IndexOutOfBoundsException if there is no such entry
     * @throws ClosedException if this poll is closed
     */
    public long data(int index) {
        entry(index, "poll data");
        return data[index];
    }

    private MemorySegment entry(int index, String call) {
        life.ensureOpen(this, call);
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("poll index " + index + " of " + size);
        return fds.asSlice((index + 1) * SIZE, SIZE);
    }

    /**
     * Frees the off-heap array; the watched descriptors are not closed. Idempotent, from any
     * thread; a thread in {@link #poll} is woken and throws {@link ClosedException}.
     */
    @Override
    public void close() {
        life.close();
    }

    @Override
    public String toString() {
        return "Poll[" + size + " fds]";
    }
}
